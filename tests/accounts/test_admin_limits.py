"""The node administrator administers accounts, but never reads a secret nor becomes another user."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user, verified_client
from trm.accounts.models import User
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent


@pytest.fixture
def admin_user(db):
    return make_user(Role.NODE_ADMIN, is_staff=True, username="nodeadmin")


@pytest.fixture
def admin_client(admin_user):
    client = verified_client(admin_user)
    client.raise_request_exception = False
    return client


@pytest.fixture
def focal(db):
    # The takeover target: sees every case of the node.
    return make_user(Role.FOCAL_POINT, username="focal", email="focal@coordinator.example.org")


def _secret_forms(device: TOTPDevice) -> list[str]:
    return [device.key, base64.b32encode(device.bin_key).decode().rstrip("=")]


def test_no_admin_page_shows_a_totp_secret(admin_client, focal):
    device = TOTPDevice.objects.get(user=focal)
    pages = [
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/accounts/user/{focal.pk}/change/",
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in _secret_forms(device):
            assert secret not in body, url
        assert "otpauth://" not in body


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_the_secret_pages_are_gone_for_known_and_unknown_devices(admin_client, focal, page):
    device = TOTPDevice.objects.get(user=focal)
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{page}/").status_code == 404
    assert admin_client.get(f"/admin/otp_totp/totpdevice/999999/{page}/").status_code == 404
    assert admin_client.get(f"/admin/otp_totp/totpdevice/{2**70}/{page}/").status_code == 404


def test_an_unknown_device_is_never_a_server_error(admin_client):
    assert admin_client.get("/admin/otp_totp/totpdevice/999999/change/").status_code in (302, 404)
    assert admin_client.get("/admin/otp_totp/totpdevice/nope/change/").status_code in (302, 404)


def test_the_admin_cannot_add_change_or_delete_a_device(admin_client, focal):
    device = TOTPDevice.objects.get(user=focal)
    assert admin_client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    response = admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = admin_client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/change/", {"user": focal.pk, "name": "x", "key": "00" * 20}
    )
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk, name="authenticator").exists()


def test_a_superuser_sees_no_backup_codes_either(db, focal):
    root = make_user(None, is_staff=True, is_superuser=True)
    client = verified_client(root)
    static = StaticDevice.objects.create(user=focal, name="backup")
    StaticToken.objects.create(device=static, token="sekrit42")
    for url in ("/admin/otp_static/staticdevice/", f"/admin/otp_static/staticdevice/{static.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"sekrit42" not in response.content
    device = TOTPDevice.objects.get(user=focal)
    response = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert device.key not in response.content.decode()


def test_the_admin_cannot_set_anyones_password(admin_client, focal):
    before = User.objects.get(pk=focal.pk).password
    assert admin_client.get(f"/admin/accounts/user/{focal.pk}/password/").status_code == 403
    response = admin_client.post(
        f"/admin/accounts/user/{focal.pk}/password/",
        {"password1": "attacker-chosen-password-1", "password2": "attacker-chosen-password-1"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=focal.pk).password == before
    page = admin_client.get(f"/admin/accounts/user/{focal.pk}/change/").content.decode()
    assert "../password/" not in page
    assert "pbkdf2" not in page and "argon2" not in page


def test_a_new_account_has_no_password_and_its_owner_gets_a_link(admin_client, admin_user):
    response = admin_client.get("/admin/accounts/user/add/")
    assert response.status_code == 200
    assert b'name="password1"' not in response.content
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newworker", "email": "new@ngo.example.org", "first_name": "", "last_name": "",
            "organisation": admin_user.organisation_id, "groups": [Group.objects.get(name=Role.PROVIDER).pk],
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content[:3000]
    user = User.objects.get(username="newworker")
    assert not user.has_usable_password()
    assert [m.to for m in mail.outbox] == [["new@ngo.example.org"]]
    link = re.search(r"/accounts/link/enrol/\S+/", mail.outbox[0].body)
    assert link is not None
    # The administrator sees that a link went out, never the link.
    page = admin_client.get(response["Location"]).content.decode()
    assert link.group(0) not in page
    assert AuditEvent.objects.filter(action="create", object_ref=str(user.pk)).exists()
    issued = AuditEvent.objects.filter(action="admin", object_ref=str(user.pk), note="one-time link issued: enrol")
    assert issued.exists()


@pytest.mark.parametrize(("action", "kind"), [("send_password_link", "password"), ("send_enrolment_link", "enrol")])
def test_a_reset_is_a_link_sent_to_the_user_and_audited(admin_client, focal, action, kind):
    response = admin_client.post(
        "/admin/accounts/user/", {"action": action, "_selected_action": [focal.pk]}, follow=True
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [focal.email]
    link = re.search(rf"/accounts/link/{kind}/\S+/", mail.outbox[0].body).group(0)
    assert link not in response.content.decode()
    assert AuditEvent.objects.filter(
        action="admin", actor_label="nodeadmin", object_ref=str(focal.pk), note=f"one-time link issued: {kind}"
    ).exists()


def test_no_link_without_an_email_address(admin_client):
    user = make_user(Role.GUARDIAN, email="")
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "send_password_link", "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    assert mail.outbox == []
    assert b"no e-mail address" in response.content


def test_changing_an_email_address_tells_the_old_one(admin_client, focal):
    response = admin_client.post(
        f"/admin/accounts/user/{focal.pk}/change/",
        {
            "username": focal.username, "email": "attacker@evil.example", "first_name": "", "last_name": "",
            "is_active": "on", "groups": [Group.objects.get(name=Role.FOCAL_POINT).pk],
            "organisation": focal.organisation_id, "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    assert [m.to for m in mail.outbox] == [["focal@coordinator.example.org"]]
    event = AuditEvent.objects.get(action="update", object_ref=str(focal.pk), note="admin")
    assert "email" in event.fields


def test_deletions_are_audited_one_by_one(admin_client, db):
    from trm.accounts.models import Organisation

    a = Organisation.objects.create(name="Gone A", type="ngo", country="SE")
    b = Organisation.objects.create(name="Gone B", type="ngo", country="SE")
    admin_client.get("/admin/accounts/organisation/")
    from django.contrib.auth.models import Permission

    admin = User.objects.get(username="nodeadmin")
    admin.user_permissions.add(Permission.objects.get(codename="delete_organisation"))
    client = verified_client(User.objects.get(pk=admin.pk))
    response = client.post(
        "/admin/accounts/organisation/",
        {"action": "delete_selected", "_selected_action": [a.pk, b.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk__in=[a.pk, b.pk]).exists()
    deleted = set(AuditEvent.objects.filter(action="delete", note="admin").values_list("object_ref", flat=True))
    assert {str(a.pk), str(b.pk)} <= deleted


def test_the_admin_site_needs_a_verified_second_factor(db):
    staff = make_user(None, is_staff=True, with_device=True)
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/" not in response["Location"] or "login" in response["Location"]
    assert verified_client(staff).get("/admin/").status_code == 200


def test_staff_without_a_role_must_enrol_a_second_factor(db):
    staff = make_user(None, is_staff=True, with_device=False)
    assert staff.requires_two_factor
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/"


def test_every_model_in_the_admin_site_is_audited(db):
    from django.contrib import admin

    from trm.accounts.admin import AuditedAdmin

    unaudited = [m._meta.label for m, a in admin.site._registry.items() if not isinstance(a, AuditedAdmin)]
    assert unaudited == []


def test_changing_a_group_is_audited(db):
    root = make_user(None, is_staff=True, is_superuser=True)
    group = Group.objects.get(name=Role.GUARDIAN)
    response = verified_client(root).post(f"/admin/auth/group/{group.pk}/change/", {"name": group.name})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="update", object_type="auth.group", note="admin").exists()
