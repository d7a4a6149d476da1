from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from tests.cases.builders import days_ago, detect, referred, screened
from trm.audit.models import AuditEvent
from trm.cases import deadlines, identification
from trm.cases.identification import TRANSITIONS, TransitionError
from trm.cases.models import Deadline, Decision
from trm.cases.models import IdentificationState as S
from trm.lib.refusals import status_of


def test_every_state_is_in_the_table_and_every_target_is_a_state():
    assert set(TRANSITIONS) == set(S.values)
    for moves in TRANSITIONS.values():
        for event, target in moves.items():
            assert target in S.values
            assert event in identification.ACTOR


def test_it_refers_a_screened_case_with_consent_and_starts_the_decision_deadline(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    assert case.state == S.RG_PENDING
    assert case.routed_to_org == world.authority
    assert case.referred_at is not None
    deadline = Deadline.objects.get(case=case, kind=deadlines.RG_DECISION)
    assert deadline.assigned_org == world.authority
    assert case.next_deadline == deadline.due_on
    assert AuditEvent.objects.filter(object_ref=case.reference, action="decide").exists()


def test_it_refuses_to_refer_an_adult_without_consent(world):
    case = screened(detect(world.responder), world.responder)
    with pytest.raises(TransitionError, match="not consented"):
        identification.refer(case, to=world.authority, by=world.responder)
    case.refresh_from_db()
    assert case.state == S.SCREENED
    assert case.referred_at is None
    assert not Deadline.objects.filter(case=case).exists()


def test_it_refers_a_child_without_the_consent_gate(world):
    case = screened(detect(world.responder, date_of_birth=days_ago(365 * 15)), world.responder)
    identification.refer(case, to=world.authority, by=world.responder)
    case.refresh_from_db()
    assert case.state == S.RG_PENDING


def test_it_refuses_an_unscreened_referral_with_a_clear_message(world):
    case = detect(world.responder)
    with pytest.raises(TransitionError, match="not possible now"):
        identification.refer(case, to=world.authority, by=world.responder)


def test_positive_reasonable_grounds_start_the_reflection_period(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    decision = identification.decide(case, event=identification.RG_POSITIVE, by=world.ca, reasons="Indicators")
    case.refresh_from_db()
    assert case.state == S.RG_POSITIVE
    assert decision.legal_test == "reasonable_grounds"
    assert decision.decided_by == world.ca
    assert decision.decided_by_org == world.authority
    reflection = Deadline.objects.get(case=case, kind=deadlines.REFLECTION_END)
    assert reflection.due_on == timezone.localdate() + dt.timedelta(days=30)
    assert Deadline.objects.get(case=case, kind=deadlines.RG_DECISION).done_at is not None
    assert Deadline.objects.filter(case=case, kind=deadlines.CG_DECISION, done_at__isnull=True).exists()


@override_settings(TRM_COUNTRY="BG")
def test_in_bulgaria_the_reflection_period_starts_at_formal_identification(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    identification.decide(case, event=identification.RG_POSITIVE, by=world.ca)
    assert not Deadline.objects.filter(case=case, kind=deadlines.REFLECTION_END).exists()
    identification.decide(case, event=identification.CG_POSITIVE, by=world.ca)
    assert Deadline.objects.filter(case=case, kind=deadlines.REFLECTION_END, done_at__isnull=True).exists()


def test_it_walks_to_formal_identification(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    identification.decide(case, event=identification.RG_POSITIVE, by=world.ca)
    identification.decide(case, event=identification.CG_POSITIVE, by=world.ca)
    case.refresh_from_db()
    assert case.state == S.IDENTIFIED
    assert identification.HTCDS_STATUS[case.state] == "ActualVictimOfTrafficking"
    assert identification.allowed_events(case) == []


def test_it_reconsiders_a_negative_decision(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    negative = identification.decide(case, event=identification.RG_NEGATIVE, by=world.ca)
    again = identification.decide(case, event=identification.RECONSIDER, by=world.ca, reasons="New evidence")
    case.refresh_from_db()
    assert case.state == S.RG_PENDING
    assert again.reconsideration_of == negative
    assert Deadline.objects.filter(case=case, kind=deadlines.RG_DECISION, done_at__isnull=True).exists()


def test_it_reconsiders_a_negative_formal_decision(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    identification.decide(case, event=identification.RG_POSITIVE, by=world.ca)
    identification.decide(case, event=identification.CG_NEGATIVE, by=world.ca)
    identification.decide(case, event=identification.RECONSIDER, by=world.ca)
    case.refresh_from_db()
    assert case.state == S.RG_POSITIVE


@pytest.mark.parametrize("event", [identification.CG_POSITIVE, identification.RECONSIDER, identification.REFER])
def test_it_refuses_invalid_transitions_and_saves_nothing(world, event):
    case = referred(detect(world.responder), world.responder, world.authority)
    before = Decision.objects.count()
    with pytest.raises(TransitionError, match="not possible now"):
        identification.decide(
            case, event=event, by=world.ca if event != identification.REFER else world.focal, to=world.authority
        )
    assert Decision.objects.count() == before
    case.refresh_from_db()
    assert case.state == S.RG_PENDING


def test_it_refuses_an_unknown_step_as_bad_input(world):
    case = detect(world.responder)
    with pytest.raises(ValidationError) as caught:
        identification.decide(case, event="promote", by=world.focal)
    assert status_of(caught.value) == 400
    assert "event" in caught.value.message_dict


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("focal", PermissionDenied),  # sees every case, but is not the competent authority
        ("dpo", PermissionDenied),  # a role with no case content at all
        ("responder", Http404),  # no longer sees the case once referred
        ("other_ca", Http404),
        ("guardian", Http404),
        ("provider", Http404),
    ],
)
def test_it_refuses_a_decision_by_a_role_without_the_right(world, who, refusal):
    case = referred(detect(world.responder), world.responder, world.authority)
    with pytest.raises(refusal):
        identification.decide(case, event=identification.RG_POSITIVE, by=getattr(world, who))
    case.refresh_from_db()
    assert case.state == S.RG_PENDING


def test_it_refuses_a_decision_dated_in_the_future_or_before_detection(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    with pytest.raises(ValidationError, match="future") as caught:
        identification.decide(
            case, event=identification.RG_POSITIVE, by=world.ca, decided_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert "decided_on" in caught.value.message_dict and status_of(caught.value) == 400
    with pytest.raises(ValidationError, match="before the detection"):
        identification.decide(case, event=identification.RG_POSITIVE, by=world.ca, decided_on=days_ago(30))
    case.refresh_from_db()
    assert case.state == S.RG_PENDING


def test_an_adult_who_refuses_consent_is_notified_anonymously_and_can_be_referred_later(world):
    from trm.cases import consent

    case = screened(detect(world.responder), world.responder)
    identification.notify_anonymously(case, by=world.responder)
    case.refresh_from_db()
    assert case.state == S.ANONYMOUS
    assert case.routed_to_org is None
    consent.give(case, purpose="identification", language="ro", by=world.responder)
    identification.refer(case, to=world.authority, by=world.responder)
    case.refresh_from_db()
    assert case.state == S.RG_PENDING


def test_a_child_is_not_notified_anonymously(world):
    case = screened(detect(world.responder, date_of_birth=days_ago(365 * 12)), world.responder)
    with pytest.raises(TransitionError, match="Children"):
        identification.notify_anonymously(case, by=world.responder)


def test_it_refuses_a_formal_decision_during_the_reflection_period_where_configured(world, monkeypatch):
    from dataclasses import replace

    from trm.cases import tasks

    strict = replace(tasks.rules(), cg_not_before_reflection_end=True)
    monkeypatch.setattr(tasks, "rules", lambda: strict)
    case = referred(detect(world.responder), world.responder, world.authority)
    identification.decide(case, event=identification.RG_POSITIVE, by=world.ca)
    with pytest.raises(TransitionError, match="reflection period"):
        identification.decide(case, event=identification.CG_POSITIVE, by=world.ca)


def test_it_refuses_steps_on_a_closed_case(world):
    from trm.cases import casework

    case = referred(detect(world.responder), world.responder, world.authority)
    casework.close(case, by=world.focal, reason="missing")
    with pytest.raises(TransitionError, match="closed"):
        identification.decide(case, event=identification.RG_POSITIVE, by=world.ca)


def test_it_lists_the_steps_a_user_may_take(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    assert identification.allowed_events_for(world.ca, case) == [identification.RG_POSITIVE, identification.RG_NEGATIVE]
    assert identification.allowed_events_for(world.focal, case) == []
