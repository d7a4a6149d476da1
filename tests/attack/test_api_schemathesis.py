"""Schemathesis against the node's own OpenAPI schema, through the whole WSGI stack, signed in.

Every operation gets requests made from the schema (valid ones, and invalid ones: wrong
types, missing fields, odd strings and numbers) sent as a verified focal point and as a
shelter's case manager, and the network operations as the network secretariat: each with a
real session cookie, a verified second factor and a CSRF token, through every middleware.
A valid request names the seeded case, referral, provider, meeting or action in its path,
so the verbs run on real objects, not only the 404 of a guessed reference.

Each answer must be: no 5xx; a status the operation documents; the documented content type;
a body that fits the documented schema (a problem, RFC 9457, for every 4xx).

The requests are derandomized (the same on every run) and few, so that the module runs in
the normal suite on SQLite and on PostgreSQL. To explore more on a workstation:
TRM_SCHEMATHESIS_EXAMPLES=200 (more generated requests per operation and role) and
TRM_SCHEMATHESIS_COVERAGE=1 (schemathesis's coverage phase: every boundary value and
every missing or wrongly-typed field, deterministically; several minutes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_user, verified_client
from tests.network import builders as network
from tests.referrals.builders import World
from trm.accounts.roles import Role
from trm.api import api

EXAMPLES = int(os.environ.get("TRM_SCHEMATHESIS_EXAMPLES", "8"))
COVERAGE = os.environ.get("TRM_SCHEMATHESIS_COVERAGE", "") == "1"
CSRF_TOKEN = "k" * 32  # any 32 letters: Django only checks that the cookie and the header agree
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _schema() -> Any:
    # The document /api/openapi.json serves, built without a request (collection has no database).
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"), config=config)
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@dataclass
class Seeded:
    users: dict[str, Any]
    path_values: dict[str, dict[str, Any]]  # path template prefix -> real path parameters


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Synthetic data for the whole module, rolled back at its end (like setUpTestData)."""
    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction (it would on PostgreSQL, where the transaction turns autocommit off).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = World()
            referral = world.refer()
            network.person(code="SE", user=world.focal)  # the focal point coordinates SE in the network
            meeting = network.meeting()
            action = network.action(meeting, owner="SE")
            secretariat = make_user(Role.SECRETARIAT, org=world.coordinator)
            yield Seeded(
                users={"focal": world.focal, "shelter": world.shelter, "secretariat": secretariat},
                path_values={
                    "/api/cases/{reference}": {"reference": referral.case.reference},
                    "/api/referrals/providers/{pk}": {"pk": world.shelter_provider.pk},
                    "/api/referrals/{reference}": {"reference": referral.reference, "field": "given_name"},
                    "/api/network/meetings/{meeting_id}": {"meeting_id": meeting.pk, "code": "SE"},
                    "/api/network/actions/{item_id}": {"item_id": action.pk},
                },
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            for signal in (request_started, request_finished):
                signal.connect(close_old_connections)


def _signed_in(user: Any) -> dict[str, Any]:
    """The cookies and headers of a verified session: what a browser holding one would send."""
    client = verified_client(user, Client())
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}
    return {"cookies": cookies, "headers": {"X-CSRFToken": CSRF_TOKEN}}


@pytest.fixture
def session(role, seeded, db) -> dict[str, Any]:
    return _signed_in(seeded.users[role])


def _call(case: Any, seeded: Seeded, session: dict[str, Any]) -> None:
    meta = case.meta
    if case.path_parameters and (meta is None or not meta.generation.mode.is_negative):
        # A valid request names a real object, so that the verbs behind it run too.
        for prefix, values in seeded.path_values.items():
            if case.operation.path.startswith(prefix):
                case.path_parameters = {k: values.get(k, v) for k, v in case.path_parameters.items()}
                break
    case.call_and_validate(checks=CHECKS, **session)


@pytest.mark.parametrize("role", ["focal", "shelter"])
@schema.parametrize()
@HYPOTHESIS
def test_it_answers_every_request_within_its_schema(case, seeded, session):
    _call(case, seeded, session)


@pytest.mark.parametrize("role", ["secretariat"])
@schema.include(path_regex="^/api/network/").parametrize()
@HYPOTHESIS
def test_it_answers_the_secretariat_within_the_network_schema(case, seeded, session):
    _call(case, seeded, session)


@pytest.mark.parametrize("role", ["focal"])
def test_its_requests_are_signed_in_and_pass_the_csrf_check(seeded, session):
    me = schema["/api/me"]["GET"].Case().call(**session)
    assert me.status_code == 200
    assert me.json()["roles"] == ["focal_point"]
    mark_read = schema["/api/referrals/notifications/read"]["POST"]
    assert mark_read.Case(body={"ids": []}).call(**session).status_code == 200
    without_token = mark_read.Case(body={"ids": []}).call(cookies=session["cookies"])
    assert without_token.status_code == 403
