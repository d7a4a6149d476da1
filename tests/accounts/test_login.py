from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, make_user
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent

LOGIN = "/accounts/login/"
GENERIC = b"The user name, password or authenticator code is not right"


def code_for(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


def post_login(client, user, *, password=PASSWORD, token=None):
    data = {"username": user.username, "password": password, "otp_token": code_for(user) if token is None else token}
    return client.post(LOGIN, data)


@pytest.fixture
def focal(db, org):
    return make_user(Role.FOCAL_POINT, org=org)


def test_it_logs_in_with_password_and_code(client, focal):
    response = post_login(client, focal)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert DEVICE_ID_SESSION_KEY in client.session
    dashboard = client.get(reverse("dashboard:home"))
    assert dashboard.status_code == 200
    assert b"Nothing needs your attention now." in dashboard.content
    assert AuditEvent.objects.filter(action="login", actor_id=focal.pk).exists()


@pytest.mark.parametrize("wrong", ["password", "code", "missing code", "unknown user"])
def test_it_gives_one_message_whatever_was_wrong(client, focal, wrong):
    if wrong == "password":
        response = post_login(client, focal, password="not-the-password")
    elif wrong == "code":
        response = post_login(client, focal, token="000000" if code_for(focal) != "000000" else "111111")
    elif wrong == "missing code":
        response = post_login(client, focal, token="")
    else:
        response = client.post(LOGIN, {"username": "nobody", "password": PASSWORD, "otp_token": "123456"})
    assert response.status_code == 400
    assert GENERIC in response.content
    assert b"password is wrong" not in response.content
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.get(action="login_failed")
    # The targeted account by id; never what was typed as the user name.
    if wrong == "unknown user":
        assert (failed.object_type, failed.object_ref) == ("", "")
        assert failed.note.endswith("unknown user name")
    else:
        assert (failed.object_type, failed.object_ref) == ("accounts.user", str(focal.pk))
    assert "nobody" not in str(failed.chained_fields()) and focal.username not in failed.note


def test_it_locks_out_after_repeated_failures(client, focal, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, focal, password="wrong-password")
    # Even the right password and code are refused while locked.
    response = post_login(client, focal)
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_lock_out(client, focal, settings):
    wrong = "000000" if code_for(focal) != "000000" else "111111"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, focal, token=wrong)
    assert post_login(client, focal).status_code == 429


def test_it_lets_the_user_in_again_after_the_cool_off(client, focal, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, focal, password="wrong-password")
    with time_machine.travel(dt.datetime.now(dt.UTC) + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        assert post_login(client, focal).status_code == 302


def test_a_role_that_sees_case_data_must_enrol_a_second_factor(client, org):
    user = make_user(Role.FIRST_RESPONDER, org=org, with_device=False)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "otp_token": ""})
    assert response["Location"] == reverse("accounts:two_factor_setup")
    # Nothing else is reachable before enrolment.
    assert client.get(reverse("dashboard:home"))["Location"] == reverse("accounts:two_factor_setup")
    assert client.get("/api/me").status_code == 401
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    bad = client.post(reverse("accounts:two_factor_setup"), {"token": "12345"})
    assert bad.status_code == 400
    ok = client.post(reverse("accounts:two_factor_setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert ok["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_an_aggregate_only_role_may_log_in_without_a_second_factor(client, org):
    user = make_user(Role.RAPPORTEUR, org=org, with_device=False)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "otp_token": ""})
    assert response["Location"] == reverse("dashboard:home")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_session_that_skipped_the_second_factor_is_ended(client, focal):
    client.force_login(focal, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("dashboard:home"))
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_session_expires_after_inactivity(client, focal, settings):
    post_login(client, focal)
    assert client.get(reverse("dashboard:home")).status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later):
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_activity_keeps_the_session_alive(client, focal, settings):
    post_login(client, focal)
    start = dt.datetime.now(dt.UTC)
    step = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
    for i in (1, 2, 3):
        with time_machine.travel(start + i * step):
            assert client.get(reverse("dashboard:home")).status_code == 200


def test_logout_needs_post(client, focal):
    post_login(client, focal)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_only_redirects_to_local_urls(client, focal):
    response = client.post(
        LOGIN + "?next=https://evil.example/",
        {
            "username": focal.username,
            "password": PASSWORD,
            "otp_token": code_for(focal),
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("dashboard:home")


def test_demo_accounts_are_hidden_outside_demo_mode(client, db):
    assert b"Demo accounts" not in client.get(LOGIN).content
