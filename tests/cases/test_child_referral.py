"""A child with any indicator is referred by default; "no referral" for a child needs reasons and
a role allowed to decide it; no step meant for adults is offered or allowed on a child's case."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.cases.builders import days_ago, detect
from tests.factories import verified_client
from tests.problems import assert_problem
from trm.cases import identification, screening
from trm.cases.models import Decision, IdentificationState

J = "application/json"
WEAK_BEGGING = ["bp.begging_in_public", "bp.daily_group_movement"]


def _girl(world):
    return detect(world.responder, date_of_birth=days_ago(365 * 15 + 30), gender="Feminine", detected_on=days_ago(2))


def test_a_child_with_weak_begging_indicators_is_advised_referral(world):
    case = _girl(world)
    item = screening.record_screening(case, set_key="unodc-begging-petty-crime", hits=WEAK_BEGGING, by=world.responder)
    assert item.outcome == "refer_for_assessment"
    adult = detect(world.responder)
    item = screening.record_screening(adult, set_key="unodc-begging-petty-crime", hits=WEAK_BEGGING, by=world.responder)
    assert item.outcome == "no_indicators"


def test_the_page_requires_the_childs_referral_and_offers_no_adult_step(world):
    case = _girl(world)
    client = verified_client(world.responder)
    response = client.post(
        f"/cases/{case.reference}/screen/",
        {"indicator_set": "unodc-begging-petty-crime", "dim_items": WEAK_BEGGING},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Refer for assessment" in page
    assert "A child with any indicator is referred for assessment" in page
    assert "Refer to the competent authority" in page
    assert "The adult does not consent" not in page
    assert "Notify anonymously" not in page
    assert "Record that no referral is needed" not in page
    assert "Decide not to refer this child" not in page  # a first responder may not decide it
    # the focal point may, with reasons
    page = verified_client(world.focal).get(f"/cases/{case.reference}/").content.decode()
    assert "Decide not to refer this child" in page and "The adult does not consent" not in page


def test_an_adults_page_still_offers_the_adult_steps(world):
    adult = detect(world.responder)
    screening.record_screening(adult, set_key="delphi-adults-labour", hits=[], by=world.responder)
    page = verified_client(world.responder).get(f"/cases/{adult.reference}/").content.decode()
    assert "The adult does not consent" in page and "Record that no referral is needed" in page


def test_a_first_responder_may_not_decide_that_a_child_is_not_referred(world):
    case = _girl(world)
    screening.record_screening(case, set_key="unodc-begging-petty-crime", hits=[], by=world.responder)
    assert not identification.may(identification.NO_INDICATORS, world.responder, case)
    with pytest.raises(PermissionDenied, match="competent authority or the NRM focal point"):
        identification.decide(case, event=identification.NO_INDICATORS, by=world.responder, reasons="Because")
    response = verified_client(world.responder).post(f"/cases/{case.reference}/no_indicators/", {"reasons": "Because"})
    assert response.status_code == 403
    response = verified_client(world.responder).post(
        f"/api/cases/{case.reference}/decisions", {"event": "no_indicators", "reasons": "Because"}, content_type=J
    )
    assert_problem(response, 403)
    case.refresh_from_db()
    assert case.state == IdentificationState.SCREENED


def test_no_referral_for_a_child_needs_reasons_and_records_them(world):
    case = _girl(world)
    screening.record_screening(case, set_key="unodc-begging-petty-crime", hits=[], by=world.responder)
    client = verified_client(world.focal)
    response = client.post(f"/cases/{case.reference}/no_indicators/", {"reasons": "  "})
    assert response.status_code == 400
    assert "Say why this child is not referred" in response.content.decode()
    with pytest.raises(ValidationError):
        identification.decide(case, event=identification.NO_INDICATORS, by=world.focal)
    case.refresh_from_db()
    assert case.state == IdentificationState.SCREENED
    response = client.post(
        f"/cases/{case.reference}/no_indicators/", {"reasons": "Synthetic: with her mother, verified; no signs."}
    )
    assert response.status_code == 302
    decision = Decision.objects.get(case=case, event=identification.NO_INDICATORS)
    assert decision.reasons.startswith("Synthetic") and decision.decided_by == world.focal


def test_an_adult_needs_no_reasons_for_no_referral(world):
    adult = detect(world.responder)
    screening.record_screening(adult, set_key="delphi-adults-labour", hits=[], by=world.responder)
    decision = identification.decide(adult, event=identification.NO_INDICATORS, by=world.responder)
    assert decision.to_state == IdentificationState.NOT_INDICATED


def test_adult_only_steps_are_never_offered_for_a_child(world):
    case = _girl(world)
    screening.record_screening(case, set_key="unodc-begging-petty-crime", hits=WEAK_BEGGING, by=world.responder)
    for event in identification.ADULTS_ONLY:
        assert not identification.may(event, world.focal, case)
        assert event not in identification.allowed_events_for(world.focal, case)
    response = verified_client(world.responder).post(f"/cases/{case.reference}/anonymous/")
    assert response.status_code == 409


def test_the_consent_form_of_a_child_offers_the_guardian_or_a_parent_not_the_person(world):
    from trm.cases.forms import ConsentForm

    child = _girl(world)
    choices = [value for value, _label in ConsentForm(case=child, user=world.responder).fields["given_by"].choices]
    assert choices == ["guardian", "parent"]
    adult = detect(world.responder)
    assert "person" in [v for v, _label in ConsentForm(case=adult, user=world.responder).fields["given_by"].choices]
