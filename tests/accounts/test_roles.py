from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests.factories import make_user, verified_client
from trm.accounts import roles
from trm.accounts.roles import CAPABILITIES, Cap, Role


def test_every_role_is_a_group_with_exactly_its_capabilities(db):
    for role in Role:
        group = Group.objects.get(name=role.value)
        perms = group.permissions.filter(content_type__app_label="accounts", codename__in=Cap.values)
        codenames = set(perms.values_list("codename", flat=True))
        assert codenames == {c.value for c in CAPABILITIES[role]}


def test_sync_is_idempotent_and_repairs_drift(db):
    group = Group.objects.get(name=Role.DPO)
    group.permissions.clear()
    roles.sync_groups()
    roles.sync_groups()
    assert make_user(Role.DPO).can(Cap.VIEW_AUDIT_LOG)


@pytest.mark.parametrize("role", list(Role))
def test_two_factor_is_required_for_every_role_that_sees_case_data(role):
    if Cap.SEE_CASE_DATA in CAPABILITIES[role]:
        assert roles.requires_two_factor({role.value})


def test_aggregate_roles_see_no_case_data():
    for role in (Role.RAPPORTEUR, Role.DPO, Role.NODE_ADMIN, Role.SECRETARIAT):
        assert Cap.SEE_CASE_DATA not in CAPABILITIES[role]


def test_an_inactive_user_can_do_nothing(db):
    user = make_user(Role.FOCAL_POINT, is_active=False)
    assert not user.can(Cap.VIEW_ALL_CASES)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.NODE_ADMIN])
def test_only_the_node_admin_reaches_the_admin_site(db, role):
    user = make_user(role)
    response = verified_client(user).get("/admin/accounts/user/")
    assert response.status_code == 302  # to the login page: not staff


def test_the_node_admin_manages_users_and_organisations(db):
    admin = make_user(Role.NODE_ADMIN, is_staff=True)
    client = verified_client(admin)
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/organisation/").status_code == 200
    assert client.get("/admin/accounts/user/add/").status_code == 200
    # No case content and no audit rows through the admin.
    assert client.get("/admin/audit/auditevent/").status_code in (403, 404)


def test_admin_login_goes_through_the_two_factor_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_changes_are_audited(db):
    from django.contrib.auth.models import Group

    from trm.audit.models import AuditEvent

    admin = make_user(Role.NODE_ADMIN, is_staff=True)
    target = make_user(None)
    client = verified_client(admin)
    response = client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "username": target.username,
            "email": "",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "groups": [Group.objects.get(name=Role.GUARDIAN).pk],
            "organisation": target.organisation_id,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert AuditEvent.objects.filter(action="admin", object_ref=str(target.pk), note="roles changed").exists()
    target.refresh_from_db()
    assert [r.value for r in target.roles] == ["guardian"]


def test_a_node_admin_cannot_change_their_own_roles(db):
    from django.contrib.auth.models import Group

    admin = make_user(Role.NODE_ADMIN, is_staff=True)
    client = verified_client(admin)
    client.post(
        f"/admin/accounts/user/{admin.pk}/change/",
        {
            "username": admin.username,
            "email": "",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "groups": [Group.objects.get(name=Role.FOCAL_POINT).pk],
            "organisation": admin.organisation_id,
        },
    )
    admin.refresh_from_db()
    assert [r.value for r in admin.roles] == ["node_admin"]
