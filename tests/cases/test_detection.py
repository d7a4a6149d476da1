from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from tests.cases.builders import days_ago, detect
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.cases.models import Case, Person, TraffickingEvent


def test_it_records_a_detection_owned_by_the_recorders_organisation(world):
    case = detect(world.responder)
    assert case.owner_org == world.ngo
    assert case.created_by == world.responder
    assert case.state == "detected"
    assert case.status == "Active"
    assert case.nationality == "MD"
    assert case.reference.startswith("SE-")
    event = AuditEvent.objects.get(object_ref=case.reference, action="create")
    assert "Ana" not in str(event.chained_fields())


def test_names_and_dates_of_birth_are_encrypted_at_rest(world):
    case = detect(world.responder, given_name="Zlatka", family_name="Unikatova", detection_place="Harbour gate 7")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT given_name, family_name, date_of_birth FROM cases_person WHERE id = %s", [case.person_id]
        )
        row = cursor.fetchone()
        cursor.execute("SELECT detection_place FROM cases_case WHERE id = %s", [case.pk])
        place = cursor.fetchone()[0]
    raw = " ".join(str(v) for v in row) + place
    assert "Zlatka" not in raw and "Unikatova" not in raw and "1995" not in raw and "Harbour" not in raw
    person = Person.objects.get(pk=case.person_id)
    assert person.full_name == "Zlatka Unikatova"
    assert person.date_of_birth == dt.date(1995, 4, 2)


def test_it_finds_a_person_by_exact_name_through_the_blind_index(world):
    case = detect(world.responder, given_name="Mira", family_name="Sample")
    key = casework.name_key("  mira ", "SAMPLE")
    assert Case.objects.filter(person__name_index=key).get() == case


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"date_of_birth": dt.date(2030, 1, 1)}, "date_of_birth"),
        ({"detected_on": timezone.localdate() + dt.timedelta(days=1)}, "detected_on"),
        ({"date_of_birth": days_ago(1), "detected_on": days_ago(3)}, "date_of_birth"),
        ({"detection_country": "QQ"}, "detection_country"),
        ({"citizenships": ["ZZ"]}, "citizenships"),
        ({"languages": ["xx"]}, "languages"),
        ({"gender": "Robot"}, "gender"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(world, overrides, field):
    with pytest.raises(ValidationError) as err:
        detect(world.responder, **overrides)
    assert field in err.value.message_dict
    assert Case.objects.count() == 0
    assert Person.objects.count() == 0


@pytest.mark.parametrize("who", ["ca", "guardian", "provider", "dpo", "rapporteur", "admin", "secretariat"])
def test_only_roles_that_record_detections_may(world, who):
    with pytest.raises(PermissionDenied):
        detect(getattr(world, who))
    assert Case.objects.count() == 0


def test_it_adds_the_route_and_denormalises_the_forms_of_exploitation(world):
    case = detect(world.responder)
    casework.add_event(
        case,
        by=world.responder,
        type="Recruitment",
        country="MD",
        recruitment_method="AtWork",
        relationship_to_trafficker="Acquainted",
        start_date=days_ago(400),
    )
    casework.add_event(case, by=world.responder, type="Transit", country="RO", start_date=days_ago(380))
    casework.add_event(
        case,
        by=world.responder,
        type="Exploitation",
        country="SE",
        start_date=days_ago(370),
        exploitation_type="ForcedBegging",
        methods_of_control=["DebtBondage", "WithholdsDocuments"],
        sector_isic="S96",
    )
    casework.add_event(
        case, by=world.responder, type="Exploitation", country="SE", exploitation_type="CriminalActivities"
    )
    case.refresh_from_db()
    assert case.exploitation_list() == ["CriminalActivities", "ForcedBegging"]
    assert [e.country for e in case.events.order_by("id")] == ["MD", "RO", "SE", "SE"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_date": timezone.localdate() + dt.timedelta(days=3)},
        {"start_date": days_ago(3), "end_date": days_ago(5)},
        {"start_date": dt.date(1990, 1, 1)},
        {"country": "QQ"},
        {"exploitation_type": "Fun"},
        {"methods_of_control": ["Magic"]},
        {"sector_isic": "12X"},
    ],
)
def test_it_refuses_impossible_route_stages(world, overrides):
    case = detect(world.responder)
    data = {"type": "Exploitation", "country": "SE", **overrides}
    with pytest.raises(ValidationError):
        casework.add_event(case, by=world.responder, **data)
    assert TraffickingEvent.objects.count() == 0


def test_a_risk_assessment_opens_its_review_deadline(world):
    case = detect(world.responder)
    item = casework.record_risk_assessment(
        case,
        by=world.responder,
        level="high",
        assessed_on=timezone.localdate(),
        risks=["re_trafficking", "retaliation"],
        measures="Safe house",
    )
    case.refresh_from_db()
    assert case.next_deadline == item.next_review_on == timezone.localdate() + dt.timedelta(days=90)


def test_a_permit_and_a_support_plan_and_a_note(world):
    case = detect(world.responder)
    permit = casework.record_permit(case, by=world.focal, kind="reflection", issued_on=days_ago(1))
    assert permit.valid_until > permit.issued_on
    with pytest.raises(ValidationError):
        casework.record_permit(case, by=world.focal, kind="cooperation", issued_on=days_ago(1), valid_until=days_ago(2))
    casework.record_support_plan(case, by=world.focal, type="Health", starts_on=timezone.localdate(), goals="Care")
    with pytest.raises(ValidationError):
        casework.record_support_plan(case, by=world.focal, type="Haircut", starts_on=timezone.localdate())
    casework.add_note(case, by=world.focal, text="Met at the shelter.")
    with pytest.raises(ValidationError):
        casework.add_note(case, by=world.focal, text="   ")
    assert case.notes.count() == 1 and case.support_plans.count() == 1 and case.permits.count() == 1


def test_closing_as_transferred_is_closed_referred(world):
    case = detect(world.responder)
    casework.close(case, by=world.focal, reason="transferred")
    case.refresh_from_db()
    assert case.status == "ClosedReferred"
    with pytest.raises(ValidationError):
        casework.close(case, by=world.focal, reason="recovered")


def test_it_corrects_the_persons_details(world):
    case = detect(world.responder)
    casework.update_person(
        case, by=world.responder, given_name="Anna", family_name="Testova", citizenships=["UA", "MD"]
    )
    case.refresh_from_db()
    assert case.nationality == "UA"
    assert Case.objects.filter(person__name_index=casework.name_key("anna", "testova")).get() == case
    with pytest.raises(ValidationError):
        casework.update_person(case, by=world.responder, date_of_birth=timezone.localdate())
    with pytest.raises(ValidationError):
        casework.update_person(case, by=world.responder, reference="X")


def test_follow_up_then_closure(world):
    case = detect(world.responder)
    casework.set_follow_up(case, by=world.focal)
    with pytest.raises(ValidationError):
        casework.set_follow_up(case, by=world.focal)
    with pytest.raises(ValidationError):
        casework.close(case, by=world.focal, reason="bored")
    casework.close(case, by=world.focal, reason="recovered")


def test_a_new_assessment_moves_the_open_review_deadline(world):
    from trm.cases.models import Deadline

    case = detect(world.responder)
    casework.record_risk_assessment(case, by=world.responder, level="low", assessed_on=days_ago(10))
    casework.record_risk_assessment(case, by=world.responder, level="high", assessed_on=days_ago(1))
    review = Deadline.objects.get(case=case, kind="risk_review")
    assert review.starts_on == days_ago(1)


def test_a_user_without_an_organisation_cannot_record(world):
    from tests.factories import make_user
    from trm.accounts.models import User
    from trm.accounts.roles import Role

    lone = make_user(Role.FIRST_RESPONDER)
    User.objects.filter(pk=lone.pk).update(organisation=None)
    lone = User.objects.get(pk=lone.pk)
    with pytest.raises(ValidationError):
        detect(lone)
