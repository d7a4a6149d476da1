from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.cases.builders import days_ago, detect
from trm.cases import consent


def test_it_covers_a_purpose_for_any_recipient_when_none_is_named(world):
    case = detect(world.responder)
    consent.give(case, purpose="assistance", language="ro", by=world.responder, interpreter=True)
    assert consent.covers(case, purpose="assistance", recipient_org=world.other_ngo)
    assert not consent.covers(case, purpose="criminal_proceedings", recipient_org=world.other_ngo)


def test_it_covers_only_the_named_recipients(world):
    case = detect(world.responder)
    consent.give(case, purpose="assistance", language="ro", by=world.responder, recipients=[world.ngo])
    assert consent.covers(case, purpose="assistance", recipient_org=world.ngo)
    assert not consent.covers(case, purpose="assistance", recipient_org=world.other_ngo)
    assert not consent.covers(case, purpose="assistance")


def test_a_withdrawn_consent_covers_nothing_from_then_on(world):
    case = detect(world.responder)
    item = consent.give(
        case, purpose="assistance", language="ro", by=world.responder, given_at=timezone.now() - dt.timedelta(days=2)
    )
    consent.withdraw(item, by=world.responder)
    assert not consent.covers(case, purpose="assistance")
    assert consent.covers(case, purpose="assistance", at=timezone.now() - dt.timedelta(days=1))
    assert not consent.covers(case, purpose="assistance", at=timezone.now() - dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        consent.withdraw(item, by=world.responder)


def test_it_refuses_bad_consent_input_and_saves_nothing(world):
    case = detect(world.responder)
    with pytest.raises(ValidationError):
        consent.give(case, purpose="marketing", language="ro", by=world.responder)
    with pytest.raises(ValidationError):
        consent.give(case, purpose="assistance", language="xx", by=world.responder)
    with pytest.raises(ValidationError):
        consent.give(
            case,
            purpose="assistance",
            language="ro",
            by=world.responder,
            given_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert case.consents.count() == 0


def test_a_childs_consent_is_given_by_the_guardian(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 10))
    item = consent.give(case, purpose="assistance", language="ro", by=world.responder)
    assert item.given_by == "guardian"
