"""A national referral on a consent carried from another country: within its scope, and only until it ends."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import days_ago
from tests.factories import verified_client
from trm.cases import consent
from trm.referrals import access, routing
from trm.referrals.models import Referral


def carried(case, by, **overrides):
    data = {
        "origin_country": "BG",
        "origin_node": "bg.nrm",
        "origin_ref": "CONSENT-41",
        "given_on": days_ago(3),
        "purposes": ["assistance"],
        "recipient_countries": ["SE"],
        "recipient_kinds": ["NGO"],
    }
    data.update(overrides)
    return consent.carry(case, by=by, **data)


def test_a_referral_goes_on_a_carried_consent_within_its_scope(world):
    case = world.presumed_victim()
    item = carried(case, world.ca)
    referral = world.refer(case)
    assert referral.consent == item and referral.basis == "consent"
    assert access.is_receiving(world.shelter, referral)


def test_outside_the_kinds_it_names_the_referral_is_refused_with_the_reason(world):
    case = world.presumed_victim()
    carried(case, world.ca)
    with pytest.raises(ValidationError, match="not Legal service") as err:
        world.refer(case, to=world.legal_provider, service="legal", field_set="legal_aid")
    assert err.value.code == "outside_carried_consent" and not Referral.objects.exists()


def test_the_referral_page_lists_the_carried_consent(world):
    case = world.presumed_victim()
    carried(case, world.ca)
    page = verified_client(world.ca).get(reverse("referrals:new", args=[case.reference])).content.decode()
    assert "given in Bulgaria" in page and "No consent for assistance is recorded" not in page


def test_the_provider_loses_the_referral_when_the_carried_consent_expires(world):
    case = world.presumed_victim()
    carried(case, world.ca, expires_on=days_ago(-10))
    referral = world.refer(case)
    url = reverse("referrals:detail", args=[referral.reference])
    assert verified_client(world.shelter).get(url).status_code == 200
    later = timezone.now() + dt.timedelta(days=11)
    with time_machine.travel(later):
        assert not access.is_receiving(world.shelter, referral)
        counts = routing.sweep()
    assert counts["consent_expired"] == 1
    referral.refresh_from_db()
    assert referral.status == "withdrawn" and referral.end_reason == "consent_expired"


def test_a_withdrawal_abroad_ends_the_referrals_on_the_carried_consent(world):
    case = world.presumed_victim()
    carried(case, world.ca)
    referral = world.refer(case)
    consent.withdrawn_abroad(case, node="bg.nrm")
    referral.refresh_from_db()
    assert referral.status == "withdrawn" and referral.end_reason == "consent_withdrawn"
    assert not access.is_receiving(world.shelter, referral)
