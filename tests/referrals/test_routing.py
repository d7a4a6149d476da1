from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from trm.referrals import routing
from trm.referrals.models import Status


def test_it_refers_a_presumed_victim_to_a_shelter(world):
    referral = world.refer()
    assert referral.status == Status.OFFERED
    assert referral.to_org == world.shelter_org
    assert referral.basis == "consent"
    assert referral.answer_due >= referral.referred_at.date()


def test_the_provider_accepts_records_and_completes(world):
    referral = world.refer()
    routing.accept(referral, by=world.shelter)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 2
    import django.utils.timezone as tz

    routing.record_service(referral, by=world.shelter, service="shelter", delivered_on=tz.localdate(),
                           description="Room given")
    referral.refresh_from_db()
    assert referral.status == Status.IN_PROGRESS
    routing.complete(referral, by=world.shelter, report="Stayed two weeks; moved to long-term housing.")
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 3


def test_it_refuses_an_answer_from_another_provider(world):
    referral = world.refer()
    with pytest.raises(PermissionDenied):
        routing.accept(referral, by=world.other_provider)


def test_it_refuses_without_consent(world):
    case = world.presumed_victim()
    with pytest.raises(ValidationError) as exc:
        world.refer(case)
    assert routing.refusal_code(exc.value) == "no_consent"
