"""Compensation in the statistics: claims by kind and state, amounts by currency, never across currencies."""

from __future__ import annotations

from django.utils import timezone

from tests.cases.builders import detect
from trm.justice import compensation, compensation_tallies
from trm.lib import tallies

from .builders import awarded, claim, days_ago


def test_claims_and_amounts_are_tallied_by_currency(world):
    year = str(timezone.now().year)
    case = detect(world.focal)
    euro = awarded(case, world.focal, amount="800.00", amount_claimed="1000.40")
    compensation.record_payment(euro, amount_paid="300.99", paid_on=days_ago(1), by=world.focal)
    claim(case, world.focal, kind="back_pay", currency_code="RON", amount_claimed="5000")
    counts = dict(compensation_tallies.CLAIMS.counts())
    assert counts == {(year, "offender", "paid_in_part"): 1, (year, "back_pay", "draft"): 1}
    amounts = dict(compensation_tallies.AMOUNTS.counts())
    assert amounts == {
        (year, "EUR", "claimed"): 1000,
        (year, "EUR", "awarded"): 800,
        (year, "EUR", "paid"): 300,
        (year, "RON", "claimed"): 5000,
    }
    names = {t.name for t in tallies.registered()}
    assert {"justice.compensation_claims", "justice.compensation_amounts"} <= names
    assert compensation_tallies.CLAIMS.labels("kind", "back_pay") == "Back pay for labour exploitation"
