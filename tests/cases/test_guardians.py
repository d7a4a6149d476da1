"""Guardians as people: a guardian without an account, one with an account, and linking one later."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import detect
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.cases import guardians
from trm.cases.access import get_case_for, visible_cases
from trm.cases.models import GuardianAppointment
from trm.lib.refusals import Conflict, Http404, PermissionDenied


def child(world):
    today = timezone.localdate()
    return detect(world.focal, date_of_birth=today.replace(year=today.year - 15))


def test_a_guardian_without_an_account_is_a_person_on_the_case(world):
    case = child(world)
    appointment = guardians.appoint(
        case,
        by=world.focal,
        name="Synthetic Guardian",
        organisation="Centre for Social Work",
        contact="+000 22 222",
        decision_ref="CSW-2026-1",
        appointed_on=case.detected_on,
    )
    assert appointment.guardian is None and appointment.person.user is None
    assert appointment.guardian_name == "Synthetic Guardian" and appointment.decision_ref == "CSW-2026-1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, contact FROM cases_guardian WHERE id = %s", [appointment.person_id])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert "Synthetic" not in raw and "222" not in raw
    assert not case.deadlines.filter(kind="child_representative", done_at__isnull=True).exists()


def test_a_guardian_with_an_account_sees_the_case_and_a_linked_account_too(world):
    case = child(world)
    guardians.appoint(case, by=world.focal, user=world.guardian, appointed_on=case.detected_on)
    assert get_case_for(world.guardian, case.reference) == case
    other_case = child(world)
    person = guardians.appoint(other_case, by=world.focal, name="Later Account", appointed_on=case.detected_on).person
    late = make_user(Role.GUARDIAN, org=world.other_ngo)
    assert not visible_cases(late).filter(pk=other_case.pk).exists()
    guardians.link_account(person, user=late, by=world.focal)
    assert get_case_for(late, other_case.reference) == other_case
    with pytest.raises(Conflict):
        guardians.link_account(person, user=late, by=world.focal)


def test_linking_needs_a_guardian_account_and_the_right_to_manage_the_case(world):
    case = child(world)
    person = guardians.appoint(case, by=world.focal, name="Synthetic Guardian", appointed_on=case.detected_on).person
    with pytest.raises(ValidationError):
        guardians.link_account(person, user=world.focal, by=world.focal)
    with pytest.raises((PermissionDenied, Http404)):
        guardians.link_account(person, user=make_user(Role.GUARDIAN), by=world.guardian)
    person.refresh_from_db()
    assert person.user is None


def test_bad_appointments_are_refused_and_store_nothing(world):
    case = child(world)
    with pytest.raises(ValidationError):
        guardians.appoint(case, by=world.focal, appointed_on=case.detected_on)  # nobody named
    with pytest.raises(ValidationError):
        guardians.appoint(case, by=world.focal, user=world.guardian, name="Two", appointed_on=case.detected_on)
    with pytest.raises(ValidationError):
        guardians.appoint(case, by=world.focal, user=world.focal, appointed_on=case.detected_on)  # not a guardian
    with pytest.raises((PermissionDenied, Http404)):
        guardians.appoint(case, by=world.guardian, name="Self", appointed_on=case.detected_on)
    assert not GuardianAppointment.objects.exists()


def test_the_case_page_appoints_a_guardian_without_an_account(world):
    case = child(world)
    client = verified_client(world.focal)
    url = reverse("cases:action", args=[case.reference, "guardian"])
    answer = client.post(url, {"kind": "guardian", "appointed_on": case.detected_on.isoformat()})
    assert answer.status_code == 400
    answer = client.post(
        url,
        {
            "kind": "guardian",
            "name": "Page Guardian",
            "decision_ref": "D-1",
            "appointed_on": case.detected_on.isoformat(),
        },
    )
    assert answer.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.reference]))
    assert "Page Guardian" in page.content.decode()


def test_the_case_page_links_a_guardian_to_their_account(world):
    case = child(world)
    appointment = guardians.appoint(case, by=world.focal, name="Page Guardian", appointed_on=case.detected_on)
    late = make_user(Role.GUARDIAN, org=world.other_ngo)
    url = reverse("cases:action", args=[case.reference, "guardian_account"])
    refused = verified_client(world.guardian).post(url, {"appointment": appointment.pk, "user": late.pk})
    assert refused.status_code in (403, 404)
    client = verified_client(world.focal)
    assert client.post(url, {"appointment": appointment.pk, "user": world.focal.pk}).status_code == 400
    appointment.person.refresh_from_db()
    assert appointment.person.user is None
    assert client.post(url, {"appointment": appointment.pk, "user": late.pk}).status_code == 302
    assert get_case_for(late, case.reference) == case
