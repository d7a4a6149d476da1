"""One-time links: the user, never the administrator, chooses the password and the second factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user
from trm.accounts import enrolment
from trm.accounts.enrolment import Kind
from trm.accounts.models import User
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent

NEW = "a-brand-new-passphrase-77"


@pytest.fixture
def admin_user(db):
    return make_user(Role.NODE_ADMIN, is_staff=True)


@pytest.fixture
def focal(db):
    return make_user(Role.FOCAL_POINT, email="focal@coordinator.example.org")


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _set(client: Client, url: str, **extra: str):
    return client.post(url, {"password1": NEW, "password2": NEW, **extra})


def test_an_enrolment_link_sets_the_password_and_replaces_the_second_factor(focal):
    url = enrolment.link_path(focal, Kind.ENROL)
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert b'name="code"' not in page.content
    response = _set(client, url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    user = User.objects.get(pk=focal.pk)
    assert user.check_password(NEW)
    assert not TOTPDevice.objects.filter(user=user).exists()  # the next login enrols a new one
    assert AuditEvent.objects.filter(object_ref=str(focal.pk), note="one-time link used: enrol").exists()


def test_a_link_works_once(focal):
    url = enrolment.link_path(focal, Kind.ENROL)
    assert _set(Client(), url).status_code == 302
    assert Client().get(url).status_code == 404
    assert _set(Client(), url).status_code == 404


def test_a_password_link_also_asks_for_a_current_code(focal):
    device = TOTPDevice.objects.get(user=focal)
    url = enrolment.link_path(focal, Kind.PASSWORD)
    client = Client()
    assert b'name="code"' in client.get(url).content
    assert _set(client, url).status_code == 400
    assert _set(client, url, code="000000" if _code(device) != "000000" else "111111").status_code == 400
    assert not User.objects.get(pk=focal.pk).check_password(NEW)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a wrong code counts, it is not rolled back
    device.throttle_reset()
    assert _set(client, url, code=_code(device)).status_code == 302
    assert User.objects.get(pk=focal.pk).check_password(NEW)
    assert TOTPDevice.objects.filter(user=focal, confirmed=True).exists()  # kept


def test_a_password_link_cannot_be_turned_into_an_enrolment_link(focal):
    url = enrolment.link_path(focal, Kind.PASSWORD)
    forged = url.replace("/link/password/", "/link/enrol/")
    assert Client().get(forged).status_code == 404
    assert _set(Client(), forged).status_code == 404
    assert TOTPDevice.objects.filter(user=focal).exists()


def test_the_password_rules_apply(focal):
    url = enrolment.link_path(focal, Kind.ENROL)
    response = Client().post(url, {"password1": "short", "password2": "short"})
    assert response.status_code == 400
    response = Client().post(url, {"password1": NEW, "password2": NEW + "x"})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=focal).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/link/enrol/MQ/nope-token/",
        "/accounts/link/other/MQ/nope-token/",
        "/accounts/link/enrol/%F0%9F%98%80/x/",
        "/accounts/link/enrol/OTIyMzM3MjAzNjg1NDc3NTgwOA/x/",  # 2**63
        "/accounts/link/enrol/LTE/x/",  # -1
    ],
)
def test_a_bad_link_is_a_404(db, url):
    client = Client(raise_request_exception=False)
    assert client.get(url).status_code == 404
    assert client.post(url, {"password1": NEW, "password2": NEW}).status_code == 404


def test_a_link_for_an_inactive_account_is_a_404(focal):
    url = enrolment.link_path(focal, Kind.ENROL)
    User.objects.filter(pk=focal.pk).update(is_active=False)
    assert Client().get(url).status_code == 404


def test_only_an_administrator_issues_links(focal):
    from django.core.exceptions import PermissionDenied

    other = make_user(Role.FOCAL_POINT)
    with pytest.raises(PermissionDenied):
        enrolment.issue(focal, kind=Kind.ENROL, by=other)
