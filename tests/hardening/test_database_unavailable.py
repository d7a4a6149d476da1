"""A database that cannot be reached is a styled 503 with Retry-After, and the node recovers."""

from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError

from tests.factories import verified_client
from tests.referrals.builders import World


@pytest.fixture
def world(db):
    return World()


@contextlib.contextmanager
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("unable to open database file")

    with connection.execute_wrapper(refuse):
        yield


def test_a_page_answers_503_while_the_database_is_down_and_works_again_after(world):
    client = verified_client(world.focal)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/referrals/directory/")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert b"Temporarily unavailable" in response.content
    assert b"app.css" in response.content
    assert client.get("/referrals/directory/").status_code == 200


def test_the_api_answers_a_json_503(world):
    client = verified_client(world.focal)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/api/referrals/providers")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503
    assert int(response["Retry-After"]) > 0
    assert client.get("/api/referrals/providers").status_code == 200


def test_a_failure_inside_a_view_is_a_503_too(world, rf):
    from trm.core.middleware import DatabaseUnavailableMiddleware

    request = rf.get("/cases/")
    middleware = DatabaseUnavailableMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response is not None
    assert response.status_code == 503
    assert middleware.process_exception(request, ValueError("x")) is None


def test_any_other_error_is_a_styled_500(world):
    from trm.core.errors import server_error

    try:
        raise ValueError("boom")
    except ValueError:
        response = server_error(type("R", (), {"path": "/cases/"})())  # type: ignore[arg-type]
    assert response.status_code == 500
    assert b"app.css" in response.content


def test_connections_are_checked_before_reuse():
    # After an outage a dead persistent connection is dropped, not reused.
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
