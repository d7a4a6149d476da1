"""The idle timeout moves forward without writing the session row on every request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.sessions.models import Session

from trm.accounts.middleware import TOUCHED
from trm.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def fp_client(client_as):
    return client_as(Role.FOCAL_POINT)


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_request_within_the_minute_does_not_write_the_session(fp_client):
    fp_client.get("/")
    first = _expiry(fp_client)
    with mock.patch("trm.accounts.middleware.time.time", return_value=fp_client.session[TOUCHED] + 30):
        fp_client.get("/")
    assert _expiry(fp_client) == first


def test_a_request_after_the_minute_pushes_the_expiry_forward(fp_client, settings):
    fp_client.get("/")
    first = _expiry(fp_client)
    touched = fp_client.session[TOUCHED]
    later = touched + settings.TRM_SESSION_TOUCH_SECONDS + 5
    with mock.patch("trm.accounts.middleware.time.time", return_value=later):
        fp_client.get("/")
    assert fp_client.session[TOUCHED] == later
    assert _expiry(fp_client) > first


def test_an_anonymous_request_creates_no_session(client):
    client.get("/accounts/login/")
    assert not Session.objects.exists()


def test_the_session_still_expires_after_the_idle_time(fp_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    fp_client.get("/")
    Session.objects.filter(session_key=fp_client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = fp_client.get("/cases/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
