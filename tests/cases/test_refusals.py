"""Every verb of the cases app refuses for itself: the actor first, then the case's state.

A verb called directly (as a command, an API endpoint or another app would call it) answers:
- a role that sees no case content (DPO, rapporteur): PermissionDenied (403);
- an actor who may not see the case (another organisation's authority, an unappointed
  guardian, a provider): Http404;
- an actor who sees the case but may not take the step (the appointed guardian; the focal
  point for a decision of the competent authority): PermissionDenied;
- a closed case, an adult's case for a child-only step: Conflict (409).
A refusal writes nothing (no row, no audit entry). Pages and the API answer the same status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tests.cases.builders import days_ago, detect, screened
from tests.factories import verified_client
from tests.problems import field_errors
from trm.audit.models import AuditEvent
from trm.cases import casework, children, consent, identification, migrants, missing, protection, screening
from trm.cases.models import Case, Decision, IdentificationState
from trm.lib.refusals import Conflict, status_of


@dataclass
class Setup:
    case: Case
    extra: Any = None


def _child(world: Any) -> Case:
    """A 12-year-old's case of the NGO, with world.guardian appointed (who then sees it)."""
    case = detect(world.responder, date_of_birth=days_ago(365 * 12))
    children.appoint_guardian(case, guardian=world.guardian, by=world.focal, appointed_on=timezone.localdate())
    case.refresh_from_db()
    return case


def _plain(world: Any) -> Setup:
    return Setup(_child(world))


def _screened_child(world: Any) -> Setup:
    return Setup(screened(_child(world), world.focal))


def _screened_adult(world: Any) -> Setup:
    return Setup(screened(detect(world.responder), world.focal))


def _referred_child(world: Any) -> Setup:
    case = screened(_child(world), world.focal)
    identification.refer(case, to=world.authority, by=world.focal)
    case.refresh_from_db()
    return Setup(case)


def _with_consent(world: Any) -> Setup:
    case = _child(world)
    return Setup(case, consent.give(case, purpose="assistance", language="ro", by=world.focal))


def _with_placement(world: Any) -> Setup:
    case = _child(world)
    return Setup(case, protection.place_child(case, by=world.focal, type="foster_family", place="X", starts_on=TODAY()))


def _missing(world: Any) -> Setup:
    case = _child(world)
    return Setup(
        case, missing.record_missing(case, by=world.focal, last_seen_at=_an_hour_ago(), last_seen_place="Park")
    )


def _an_hour_ago() -> Any:
    return timezone.now() - timezone.timedelta(hours=1)


def _with_appointment(world: Any) -> Setup:
    case = _child(world)
    return Setup(case, case.guardians.get())


TODAY = timezone.localdate


@dataclass(frozen=True)
class Verb:
    name: str
    setup: Callable[[Any], Setup]
    call: Callable[[Any, Setup, Any], Any]
    actor: str = "focal"  # who may take the step
    on_closed: bool = False  # still allowed on a closed case
    child_only: bool = False
    guardian_may: bool = False  # the appointed guardian may take it too


VERBS = [
    Verb("update_person", _plain, lambda w, s, by: casework.update_person(s.case, by=by, given_name="Anna")),
    Verb("add_event", _plain, lambda w, s, by: casework.add_event(s.case, by=by, type="Transit", country="RO")),
    Verb("add_note", _plain, lambda w, s, by: casework.add_note(s.case, by=by, text="Synthetic note")),
    Verb(
        "record_risk_assessment",
        _plain,
        lambda w, s, by: casework.record_risk_assessment(s.case, by=by, level="high", assessed_on=TODAY()),
    ),
    Verb(
        "record_support_plan",
        _plain,
        lambda w, s, by: casework.record_support_plan(s.case, by=by, type="Health", starts_on=TODAY()),
    ),
    Verb(
        "record_permit",
        _plain,
        lambda w, s, by: casework.record_permit(s.case, by=by, kind="reflection", issued_on=TODAY()),
    ),
    Verb("assign_owner", _plain, lambda w, s, by: casework.assign_owner(s.case, owner=w.responder, by=by)),
    Verb("set_follow_up", _plain, lambda w, s, by: casework.set_follow_up(s.case, by=by)),
    Verb("close", _plain, lambda w, s, by: casework.close(s.case, by=by, reason="recovered")),
    Verb(
        "record_age_assessment",
        _plain,
        lambda w, s, by: children.record_age_assessment(
            s.case, by=by, trigger="Doubt", methods=["documents"], decision="minor", assessed_on=TODAY()
        ),
    ),
    Verb(
        "appoint_guardian",
        _plain,
        lambda w, s, by: children.appoint_guardian(s.case, guardian=w.guardian, by=by, appointed_on=TODAY()),
        child_only=True,
    ),
    Verb(
        "end_guardianship",
        _with_appointment,
        lambda w, s, by: children.end_guardianship(s.extra, by=by, ended_on=TODAY()),
        on_closed=True,
    ),
    Verb(
        "record_best_interests",
        _plain,
        lambda w, s, by: children.record_best_interests(s.case, by=by, kind="assessment", decided_on=TODAY()),
        child_only=True,
    ),
    Verb(
        "record_family_tracing",
        _plain,
        lambda w, s, by: children.record_family_tracing(
            s.case, by=by, status="requested", country="MD", started_on=TODAY()
        ),
        child_only=True,
    ),
    Verb("give_consent", _plain, lambda w, s, by: consent.give(s.case, purpose="assistance", language="ro", by=by)),
    Verb("withdraw_consent", _with_consent, lambda w, s, by: consent.withdraw(s.extra, by=by), on_closed=True),
    Verb(
        "record_screening",
        _plain,
        lambda w, s, by: screening.record_screening(s.case, set_key="delphi-children-labour", hits=[], by=by),
    ),
    Verb("refer", _screened_child, lambda w, s, by: identification.refer(s.case, to=w.authority, by=by)),
    Verb(
        "no_indicators",
        _screened_child,
        lambda w, s, by: identification.decide(
            s.case, event=identification.NO_INDICATORS, by=by, reasons="Synthetic: the signs were explained."
        ),
    ),
    Verb(
        "rg_positive",
        _referred_child,
        lambda w, s, by: identification.decide(s.case, event=identification.RG_POSITIVE, by=by),
        actor="ca",
    ),
]
VERBS += [
    Verb(
        "record_child_status",
        _plain,
        lambda w, s, by: protection.set_child_status(s.case, status="unaccompanied", by=by),
        child_only=True,
    ),
    Verb(
        "record_accompanying_adult",
        _plain,
        lambda w, s, by: protection.record_accompanying_adult(s.case, by=by, name="A. Adult", relationship="sibling"),
        child_only=True,
    ),
    Verb(
        "place_child",
        _plain,
        lambda w, s, by: protection.place_child(
            s.case, by=by, type="foster_family", place="Foster home", starts_on=TODAY()
        ),
        child_only=True,
    ),
    Verb(
        "end_placement",
        _with_placement,
        lambda w, s, by: protection.end_placement(s.extra, by=by, ends_on=TODAY()),
        on_closed=True,
    ),
    Verb(
        "record_missing",
        _plain,
        lambda w, s, by: missing.record_missing(s.case, by=by, last_seen_at=_an_hour_ago(), last_seen_place="Park"),
        guardian_may=True,
    ),
    Verb(
        "record_found",
        _missing,
        lambda w, s, by: missing.record_found(
            s.extra, by=by, found_at=timezone.now(), found_place="Station", condition="safe"
        ),
        on_closed=True,
        guardian_may=True,
    ),
    Verb(
        "set_migration_status",
        _plain,
        lambda w, s, by: migrants.set_migration_status(s.case, by=by, status="applicant"),
    ),
    Verb(
        "record_route_encounter",
        _plain,
        lambda w, s, by: migrants.record_route_encounter(
            s.case, by=by, country="RS", place_type="transit_centre", met_on=TODAY()
        ),
    ),
]
IDS = [v.name for v in VERBS]


def _refused(world: Any, verb: Verb, setup: Setup, by: Any, refusal: type[Exception]) -> Exception:
    before = AuditEvent.objects.count()
    with pytest.raises(refusal) as caught:
        verb.call(world, setup, by)
    assert AuditEvent.objects.count() == before, "a refused step wrote something"
    return caught.value


@pytest.mark.parametrize("verb", VERBS, ids=IDS)
def test_it_takes_the_step_for_the_actor_it_allows(world, verb):
    setup = verb.setup(world)
    before = AuditEvent.objects.count()
    verb.call(world, setup, getattr(world, verb.actor))
    assert AuditEvent.objects.count() > before


@pytest.mark.parametrize("verb", VERBS, ids=IDS)
@pytest.mark.parametrize("who", ["other_ca", "other_responder", "provider", "police"])
def test_it_answers_404_to_an_actor_who_may_not_see_the_case(world, verb, who):
    setup = verb.setup(world)
    exc = _refused(world, verb, setup, getattr(world, who), Http404)
    assert status_of(exc) == 404


@pytest.mark.parametrize("verb", VERBS, ids=IDS)
@pytest.mark.parametrize("who", ["dpo", "rapporteur", "admin"])
def test_it_answers_403_to_a_role_without_case_content(world, verb, who):
    setup = verb.setup(world)
    exc = _refused(world, verb, setup, getattr(world, who), PermissionDenied)
    assert status_of(exc) == 403


GUARDIAN_REFUSED = [v for v in VERBS if v.name != "add_note" and not v.guardian_may]


@pytest.mark.parametrize("verb", GUARDIAN_REFUSED, ids=[v.name for v in GUARDIAN_REFUSED])
def test_it_answers_403_to_the_guardian_who_sees_the_case_but_may_not_change_it(world, verb):
    setup = verb.setup(world)
    exc = _refused(world, verb, setup, world.guardian, PermissionDenied)
    assert status_of(exc) == 403


def test_the_appointed_guardian_may_add_a_note(world):
    case = _child(world)
    assert casework.add_note(case, by=world.guardian, text="Synthetic note").author == world.guardian


@pytest.mark.parametrize("verb", [v for v in VERBS if v.name in ("rg_positive",)], ids=["rg_positive"])
def test_it_answers_403_to_the_focal_point_for_the_authoritys_decision(world, verb):
    setup = verb.setup(world)
    _refused(world, verb, setup, world.focal, PermissionDenied)


@pytest.mark.parametrize("verb", [v for v in VERBS if not v.on_closed], ids=[v.name for v in VERBS if not v.on_closed])
def test_it_answers_409_on_a_closed_case(world, verb):
    setup = verb.setup(world)
    casework.close(setup.case, by=world.focal, reason="recovered")
    setup.case.refresh_from_db()
    exc = _refused(world, verb, setup, getattr(world, verb.actor), Conflict)
    assert status_of(exc) == 409


@pytest.mark.parametrize("verb", [v for v in VERBS if v.on_closed], ids=[v.name for v in VERBS if v.on_closed])
def test_a_withdrawal_and_the_end_of_a_guardianship_are_recorded_on_a_closed_case_too(world, verb):
    setup = verb.setup(world)
    casework.close(setup.case, by=world.focal, reason="recovered")
    verb.call(world, setup, world.focal)
    with pytest.raises(Conflict):  # but only once
        verb.call(world, setup, world.focal)


@pytest.mark.parametrize("verb", [v for v in VERBS if v.child_only], ids=[v.name for v in VERBS if v.child_only])
def test_a_child_only_step_on_an_adults_case_is_409(world, verb):
    setup = Setup(detect(world.responder))
    exc = _refused(world, verb, setup, world.focal, Conflict)
    assert status_of(exc) == 409


def test_an_anonymous_notification_is_for_adults_only(world):
    setup = _screened_child(world)
    with pytest.raises(Conflict, match="Children"):
        identification.notify_anonymously(setup.case, by=world.focal)
    adult = _screened_adult(world).case
    assert identification.notify_anonymously(adult, by=world.focal).to_state == IdentificationState.ANONYMOUS


def test_a_state_refusal_of_the_procedure_is_a_409(world):
    case = _plain(world).case
    with pytest.raises(identification.TransitionError) as caught:
        identification.refer(case, to=world.authority, by=world.focal)  # not screened yet
    assert status_of(caught.value) == 409


# ------------------------------------------------------------------------------------------
# The referral goes only to a competent authority, whoever asks


def test_the_verb_refuses_to_refer_to_an_organisation_that_is_not_a_competent_authority(world):
    case = screened(detect(world.responder), world.responder)
    consent.give(case, purpose="identification", language="ro", by=world.responder, recipients=[world.other_ngo])
    with pytest.raises(ValidationError) as caught:
        identification.refer(case, to=world.other_ngo, by=world.responder)
    assert status_of(caught.value) == 400
    assert "to" in caught.value.message_dict
    case.refresh_from_db()
    assert case.routed_to_org is None and case.state == IdentificationState.SCREENED


def test_the_referral_form_offers_exactly_the_authorities_the_verb_accepts(world):
    from trm.cases.access import competent_authorities, is_competent_authority
    from trm.cases.forms import ReferForm

    case = detect(world.responder)
    offered = set(ReferForm(case=case, user=world.responder).fields["to"].queryset)
    assert offered == set(competent_authorities())
    assert world.authority in offered and world.other_ngo not in offered
    assert is_competent_authority(world.authority) and not is_competent_authority(world.other_ngo)
    assert not is_competent_authority(None)


# ------------------------------------------------------------------------------------------
# Pages and the API answer the same


J = "application/json"


def _errors(response: Any) -> dict[str, Any]:
    """The field errors of an API refusal."""
    return field_errors(response)


def test_a_closed_case_is_409_on_the_page_and_in_the_api(world):
    case = detect(world.focal)
    casework.close(case, by=world.focal, reason="recovered")
    client = verified_client(world.focal)
    data = {"type": "Transit", "country": "RO"}
    page = client.post(f"/cases/{case.reference}/event/", data)
    api = client.post(f"/api/cases/{case.reference}/events", data, content_type=J)
    assert page.status_code == api.status_code == 409
    assert "The case is closed." in page.content.decode()
    assert api.json()["detail"] == "The case is closed."
    assert case.events.count() == 0


def test_a_note_on_a_closed_case_is_409_on_the_page(world):
    case = detect(world.focal)
    casework.close(case, by=world.focal, reason="recovered")
    response = verified_client(world.focal).post(f"/cases/{case.reference}/note/", {"text": "Late note"})
    assert response.status_code == 409
    assert case.notes.count() == 0


@pytest.mark.parametrize("who", ["other_ca", "other_responder"])
def test_an_outsider_gets_404_on_the_page_and_in_the_api(world, who):
    case = detect(world.responder)
    client = verified_client(getattr(world, who))
    data = {"type": "Transit", "country": "RO"}
    assert client.post(f"/cases/{case.reference}/event/", data).status_code == 404
    assert client.post(f"/api/cases/{case.reference}/events", data, content_type=J).status_code == 404
    assert client.post(f"/cases/{case.reference}/note/", {"text": "x"}).status_code == 404
    assert case.events.count() == 0 and case.notes.count() == 0


def test_the_guardian_gets_403_on_the_page_and_in_the_api(world):
    case = _child(world)
    client = verified_client(world.guardian)
    data = {"type": "Transit", "country": "RO"}
    assert client.post(f"/cases/{case.reference}/event/", data).status_code == 403
    assert client.post(f"/api/cases/{case.reference}/events", data, content_type=J).status_code == 403
    assert case.events.count() == 0


@pytest.mark.parametrize("who", ["dpo", "rapporteur", "admin", "secretariat"])
def test_a_role_without_case_content_gets_404_on_a_case_page_and_in_the_api(world, who):
    """A case URL tells an aggregate-only role nothing: the same 404 as for a made-up reference."""
    case = detect(world.responder)
    client = verified_client(getattr(world, who))
    data = {"type": "Transit", "country": "RO"}
    for reference in (case.reference, "ZZ-NOPE-0000"):
        assert client.get(f"/cases/{reference}/").status_code == 404
        assert client.get(f"/cases/{reference}/screen/").status_code == 404
        assert client.post(f"/cases/{reference}/event/", data).status_code == 404
        assert client.get(f"/api/cases/{reference}").status_code == 404
        assert client.post(f"/api/cases/{reference}/events", data, content_type=J).status_code == 404
    # The list is not one case: the role is refused it (403).
    assert client.get("/cases/").status_code == 403
    assert client.get("/api/cases/").status_code == 403
    assert case.events.count() == 0


def test_the_api_refuses_to_route_a_case_to_a_shelter(world):
    case = screened(detect(world.responder), world.responder)
    consent.give(case, purpose="identification", language="ro", by=world.responder, recipients=[world.other_ngo])
    client = verified_client(world.responder)
    response = client.post(f"/api/cases/{case.reference}/referral", {"to": world.other_ngo.pk}, content_type=J)
    assert response.status_code == 400
    assert "to" in _errors(response)
    case.refresh_from_db()
    assert case.routed_to_org is None and case.state == IdentificationState.SCREENED
    assert not Decision.objects.filter(case=case, event=identification.REFER).exists()
    assert client.get(f"/api/cases/{case.reference}").status_code == 200  # still with the responder


def test_the_api_refuses_an_unknown_organisation_on_to(world):
    case = screened(detect(world.responder), world.responder)
    response = verified_client(world.responder).post(
        f"/api/cases/{case.reference}/referral", {"to": 999999}, content_type=J
    )
    assert response.status_code == 400
    assert "to" in _errors(response)


def test_the_page_refuses_to_route_a_case_to_a_shelter(world):
    case = screened(detect(world.responder), world.responder)
    response = verified_client(world.responder).post(f"/cases/{case.reference}/refer/", {"to": world.other_ngo.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.routed_to_org is None
