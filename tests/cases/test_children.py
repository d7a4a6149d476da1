from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.cases.builders import days_ago, detect
from trm.cases import casework, children, deadlines
from trm.cases.models import Deadline
from trm.lib.refusals import Conflict


def test_a_child_case_gets_the_guardian_deadline_in_working_days(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 14))
    assert case.is_child
    deadline = Deadline.objects.get(case=case, kind=deadlines.CHILD_REPRESENTATIVE)
    rules = deadlines.rules_for("SE")
    assert deadline.due_on == deadlines.add_working_days(case.detected_on, 15, rules=rules)
    case.refresh_from_db()
    assert case.next_deadline == deadline.due_on


def test_an_adult_case_has_no_guardian_deadline(world):
    case = detect(world.responder)
    assert not case.is_child
    assert not Deadline.objects.filter(case=case).exists()


def test_minority_is_presumed_when_age_is_uncertain(world):
    case = detect(world.responder, date_of_birth=None, age_uncertain=True, presumed_minor=True)
    assert case.is_child and case.presumed_minor
    stated_adult = detect(world.responder, date_of_birth=days_ago(365 * 20), age_uncertain=True, presumed_minor=True)
    assert stated_adult.is_child


def test_an_inconclusive_age_assessment_keeps_the_presumption(world):
    case = detect(world.responder, date_of_birth=None, age_uncertain=True)
    assert not case.is_child
    children.record_age_assessment(
        case,
        by=world.focal,
        trigger="No documents",
        methods=["interview"],
        decision="inconclusive",
        assessed_on=timezone.localdate(),
        min_age=16,
        max_age=19,
    )
    case.refresh_from_db()
    assert case.is_child and case.presumed_minor
    assert Deadline.objects.filter(case=case, kind=deadlines.CHILD_REPRESENTATIVE, done_at__isnull=True).exists()


def test_the_lowest_age_decides_with_the_benefit_of_the_doubt(world):
    case = detect(world.responder, date_of_birth=None, age_uncertain=True, presumed_minor=True)
    with pytest.raises(ValidationError, match="lowest age"):
        children.record_age_assessment(
            case,
            by=world.focal,
            trigger="Doubt",
            methods=["documents"],
            decision="adult",
            assessed_on=timezone.localdate(),
            min_age=17,
            max_age=20,
        )
    assert case.age_assessments.count() == 0


def test_an_adult_age_decision_ends_the_child_pathway(world):
    case = detect(world.responder, date_of_birth=None, age_uncertain=True, presumed_minor=True)
    children.record_age_assessment(
        case,
        by=world.focal,
        trigger="Doubt",
        methods=["documents"],
        decision="adult",
        assessed_on=timezone.localdate(),
        min_age=19,
        max_age=22,
    )
    case.refresh_from_db()
    assert not case.is_child
    assert case.next_deadline is None


def test_appointing_a_guardian_completes_the_deadline_and_gives_access(world):
    from trm.cases.access import visible_cases

    case = detect(world.responder, date_of_birth=days_ago(365 * 14))
    assert not visible_cases(world.guardian).filter(pk=case.pk).exists()
    children.appoint_guardian(case, guardian=world.guardian, by=world.focal, appointed_on=timezone.localdate())
    assert Deadline.objects.get(case=case, kind=deadlines.CHILD_REPRESENTATIVE).done_at is not None
    assert visible_cases(world.guardian).filter(pk=case.pk).exists()


def test_only_a_guardian_is_appointed_and_only_for_a_child(world):
    child = detect(world.responder, date_of_birth=days_ago(365 * 14))
    with pytest.raises(ValidationError, match="not a guardian"):
        children.appoint_guardian(child, guardian=world.provider, by=world.focal, appointed_on=timezone.localdate())
    adult = detect(world.responder)
    with pytest.raises(Conflict, match="only on a child"):
        children.appoint_guardian(adult, guardian=world.guardian, by=world.focal, appointed_on=timezone.localdate())


def test_a_child_is_not_closed_as_returned_without_the_safeguards(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 14))
    with pytest.raises(ValidationError, match="risk and security assessment"):
        casework.close(case, by=world.focal, reason="returned")
    casework.record_risk_assessment(
        case, by=world.focal, level="low", kind="return_security", assessed_on=timezone.localdate(), country="MD"
    )
    with pytest.raises(ValidationError, match="best interests determination"):
        casework.close(case, by=world.focal, reason="returned")
    children.record_best_interests(
        case,
        by=world.focal,
        kind="determination",
        decided_on=timezone.localdate(),
        durable_solution="return",
        child_views_heard=True,
    )
    casework.close(case, by=world.focal, reason="returned")
    case.refresh_from_db()
    assert case.status == "Closed"
    assert case.next_deadline is None


def test_a_determination_names_the_durable_solution(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 14))
    with pytest.raises(ValidationError):
        children.record_best_interests(case, by=world.focal, kind="determination", decided_on=timezone.localdate())


def test_family_tracing_is_recorded(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 14))
    children.record_family_tracing(
        case,
        by=world.focal,
        status="requested",
        country="MD",
        started_on=timezone.localdate(),
        result="Request sent through RFL",
    )
    with pytest.raises(ValidationError):
        children.record_family_tracing(
            case, by=world.focal, status="requested", country="QQ", started_on=timezone.localdate()
        )
    assert case.tracings.count() == 1
