"""A child on the move: travelling status, accompanying adults and care placements.

Verbs, the case page and the API: the rules (accompanied needs a caregiver; an unverified
relationship is flagged; one current placement), refusals of roles, and bad input (400,
nothing stored).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.cases.builders import days_ago, detect
from tests.factories import verified_client
from tests.problems import assert_problem, field_errors
from trm.audit.models import AuditEvent
from trm.cases import protection
from trm.cases.models import AccompanyingAdult, CarePlacement, Case
from trm.lib.refusals import Conflict

J = "application/json"
TODAY = timezone.localdate


def _child(world, **kw) -> Case:
    return detect(world.responder, date_of_birth=days_ago(365 * 15), detected_on=days_ago(20), **kw)


# ------------------------------------------------------------------------------------------
# Travelling status and accompanying adults


def test_a_child_is_accompanied_only_by_a_recorded_caregiver(world):
    case = _child(world)
    with pytest.raises(ValidationError) as caught:
        protection.set_child_status(case, status="accompanied", by=world.responder)
    assert "record the accompanying adult first" in str(caught.value)
    protection.record_accompanying_adult(case, by=world.responder, name="An Uncle", relationship="other_relative")
    with pytest.raises(ValidationError):  # a relative is not a caregiver: the child is separated
        protection.set_child_status(case, status="accompanied", by=world.responder)
    protection.set_child_status(case, status="separated", by=world.responder)
    case.refresh_from_db()
    assert case.child_status == "separated"
    protection.record_accompanying_adult(case, by=world.responder, name="A Mother", relationship="parent")
    assert protection.set_child_status(case, status="accompanied", by=world.responder).child_status == "accompanied"


def test_an_unverified_relationship_is_flagged_and_a_verified_one_says_how(world):
    case = _child(world)
    claimed = protection.record_accompanying_adult(case, by=world.responder, name="A Father", relationship="parent")
    assert claimed.flagged and claimed.checks == ["not_checked"]
    with pytest.raises(ValidationError) as caught:
        protection.record_accompanying_adult(
            case, by=world.responder, name="B", relationship="parent", verified=True, checks=["not_checked"]
        )
    assert "checks" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        protection.record_accompanying_adult(
            case, by=world.responder, name="B", relationship="parent", verified=True, checks=["documents"]
        )
    assert "checked_on" in caught.value.error_dict
    checked = protection.record_accompanying_adult(
        case,
        by=world.responder,
        name="A Mother",
        relationship="parent",
        verified=True,
        checks=["documents", "separate_interviews"],
        checked_on=TODAY(),
    )
    assert not checked.flagged
    assert protection.unverified_adults(case) == [claimed]


def test_the_status_and_adults_are_for_a_childs_case_only(world):
    adult = detect(world.responder)
    with pytest.raises(Conflict):
        protection.set_child_status(adult, status="unaccompanied", by=world.responder)
    with pytest.raises(Conflict):
        protection.record_accompanying_adult(adult, by=world.responder, name="X", relationship="parent")


# ------------------------------------------------------------------------------------------
# Care placements


def test_a_new_placement_ends_the_current_one_and_only_one_is_current(world):
    case = _child(world)
    first = protection.place_child(
        case, by=world.responder, type="emergency_placement", place="Shelter A", starts_on=days_ago(10)
    )
    with pytest.raises(ValidationError) as caught:
        protection.place_child(case, by=world.responder, type="foster_family", place="F", starts_on=days_ago(12))
    assert "before_current" in str(caught.value.error_dict["starts_on"][0].code)
    second = protection.place_child(
        case, by=world.responder, type="foster_family", place="Foster B", starts_on=days_ago(2)
    )
    first.refresh_from_db()
    assert first.ends_on == days_ago(2)
    assert list(CarePlacement.objects.filter(case=case).current()) == [second]
    protection.end_placement(second, by=world.responder, ends_on=TODAY())
    with pytest.raises(Conflict):
        protection.end_placement(second, by=world.responder, ends_on=TODAY())


@pytest.mark.parametrize(
    ("starts_on", "field"), [(lambda: days_ago(-1), "starts_on"), (lambda: days_ago(400), "starts_on")]
)
def test_a_placement_in_the_future_or_before_the_detection_is_refused(world, starts_on, field):
    case = _child(world)
    with pytest.raises(ValidationError) as caught:
        protection.place_child(case, by=world.responder, type="foster_family", place="F", starts_on=starts_on())
    assert field in caught.value.error_dict
    assert not CarePlacement.objects.filter(case=case).exists()


# ------------------------------------------------------------------------------------------
# The case page


def test_the_page_shows_the_section_and_flags_an_unverified_adult(world):
    case = _child(world)
    client = verified_client(world.responder)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Child on the move" in page and "Not recorded yet" in page
    response = client.post(
        f"/cases/{case.reference}/adult/",
        {"name": "Claimed Father", "relationship": "parent", "checks": ["child_statement"]},
    )
    assert response.status_code == 302
    response = client.post(f"/cases/{case.reference}/child_status/", {"status": "accompanied"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Claimed Father" in page
    assert "the caregiver&#x27;s relationship is not verified" in page or "relationship is not verified" in page
    assert "Not verified" in page
    response = client.post(
        f"/cases/{case.reference}/placement/",
        {"type": "uasc_reception", "place": "Reception Centre North", "starts_on": str(TODAY())},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Reception Centre North" in page and "End the current placement" in page


def test_the_page_answers_400_to_bad_input_and_stores_nothing(world):
    case = _child(world)
    client = verified_client(world.responder)
    response = client.post(f"/cases/{case.reference}/adult/", {"name": "", "relationship": "nonsense"})
    assert response.status_code == 400
    response = client.post(
        f"/cases/{case.reference}/placement/", {"type": "foster_family", "place": "F", "starts_on": "2999-01-01"}
    )
    assert response.status_code == 400
    assert "future" in response.content.decode()
    assert not AccompanyingAdult.objects.exists() and not CarePlacement.objects.exists()


def test_roles_that_may_not_change_the_case_are_refused_on_the_page(world):
    case = _child(world)
    data = {"type": "foster_family", "place": "F", "starts_on": str(TODAY())}
    assert verified_client(world.other_responder).post(f"/cases/{case.reference}/placement/", data).status_code == 404
    assert verified_client(world.provider).post(f"/cases/{case.reference}/placement/", data).status_code == 404
    assert verified_client(world.dpo).post(f"/cases/{case.reference}/placement/", data).status_code == 404
    assert not CarePlacement.objects.exists()


# ------------------------------------------------------------------------------------------
# The API


def test_the_api_records_and_reads_the_childs_status_adults_and_placements(world):
    case = _child(world)
    api = verified_client(world.responder)
    base = f"/api/cases/{case.reference}"
    response = api.post(
        f"{base}/accompanying-adults", {"name": "Claimed Aunt", "relationship": "other_relative"}, content_type=J
    )
    assert response.status_code == 201 and response.json()["flagged"] is True
    response = api.post(f"{base}/child-status", {"status": "separated"}, content_type=J)
    assert response.status_code == 200 and response.json()["child_status"] == "separated"
    response = api.post(
        f"{base}/placements",
        {"type": "foster_family", "place": "Foster C", "starts_on": str(days_ago(1))},
        content_type=J,
    )
    assert response.status_code == 201 and response.json()["current"] is True
    placement = response.json()["id"]
    response = api.post(f"{base}/placements/{placement}/end", {"ends_on": str(TODAY())}, content_type=J)
    assert response.status_code == 200 and response.json()["ends_on"] == str(TODAY())
    body = api.get(f"{base}/protection").json()
    assert body["unverified_adults"] == 1 and body["child_status"] == "separated" and len(body["placements"]) == 1
    assert api.get(f"/api/cases/{case.reference}").json()["child_status"] == "separated"


def test_the_api_refuses_bad_input_and_other_roles(world):
    case = _child(world)
    base = f"/api/cases/{case.reference}"
    api = verified_client(world.responder)
    response = api.post(f"{base}/child-status", {"status": "lost"}, content_type=J)
    assert_problem(response, 400)
    assert "status" in field_errors(response)
    response = api.post(
        f"{base}/accompanying-adults", {"name": "X", "relationship": "parent", "checks": ["magic"]}, content_type=J
    )
    assert_problem(response, 400)
    assert_problem(verified_client(world.other_ca).get(f"{base}/protection"), 404)
    assert_problem(verified_client(world.rapporteur).get(f"{base}/protection"), 404)
    guardian_refused = verified_client(world.guardian).post(
        f"{base}/child-status", {"status": "unaccompanied"}, content_type=J
    )
    assert guardian_refused.status_code == 404  # not appointed to this child
    case.refresh_from_db()
    assert case.child_status == "" and not AccompanyingAdult.objects.exists()


def test_a_first_responder_may_not_end_a_placement_after_referral(world):
    case = _child(world)
    item = protection.place_child(case, by=world.responder, type="foster_family", place="F", starts_on=TODAY())
    Case.objects.filter(pk=case.pk).update(referred_at=timezone.now(), routed_to_org=world.authority)
    with pytest.raises(Exception) as caught:
        protection.end_placement(item, by=world.responder, ends_on=TODAY())
    assert caught.type.__name__ == "Http404"
    with pytest.raises(PermissionDenied):
        protection.end_placement(item, by=world.dpo, ends_on=TODAY())
    assert AuditEvent.objects.filter(object_ref=case.reference, action="update").count() == 0
