"""A few synthetic compensation claims and a group case for a demo node (seeded: the same every time).

Runs after the demo cases exist; idempotent: nothing is added when the node holds claims.
Everything goes through the justice verbs, as a focal point would record it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from trm.accounts.models import User
from trm.cases.models import Case
from trm.justice import compensation, group_cases
from trm.justice.models.compensation import Claim

# The national currency for back pay where it is not the euro (ISO 4217).
NATIONAL_CURRENCY = {"SE": "SEK", "RO": "RON", "MD": "MDL", "AL": "ALL", "RS": "RSD", "MK": "MKD", "UA": "UAH"}


@transaction.atomic
def seed_demo(country: str) -> None:
    if Claim.objects.exists():
        return
    focal = User.objects.get(username="focal")
    cases = list(Case.objects.open().order_by("id")[:3])
    if len(cases) < 3:
        return
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    offender = compensation.open_claim(
        cases[0], kind="offender", currency_code="EUR", amount_claimed="15000.00", by=focal,
        authority="District Court", proceeding_ref="K 1042/2026",
    )  # fmt: skip
    compensation.file(offender, filed_on=ago(120), by=focal)
    compensation.decide(offender, awarded=True, decided_on=ago(40), amount_awarded="9000.00", by=focal)
    compensation.record_payment(offender, amount_paid="2500.00", paid_on=ago(10), by=focal)
    scheme = compensation.open_claim(
        cases[1], kind="state_scheme", currency_code="EUR", amount_claimed="6000.00", by=focal,
        authority="Crime Victim Compensation Authority",
    )  # fmt: skip
    compensation.file(scheme, filed_on=ago(30), by=focal)
    currency = NATIONAL_CURRENCY.get(country, "EUR")
    compensation.open_claim(
        cases[2], kind="back_pay", currency_code=currency, amount_claimed="42000.00", by=focal,
        limitation_on=today + dt.timedelta(days=21), wages_from=ago(420), wages_to=ago(150),
    )  # fmt: skip
    group = group_cases.record_group(
        by=focal, kind="employer", sector="agriculture", name="Synthetic Greenhouses Ltd", workplace="Greenhouse 4",
        country=country, wages_owed="42000.00", currency=currency, hours_owed="3100", inspection_ref="LI-2026-0815",
    )  # fmt: skip
    group_cases.link_case(group, cases[0], by=focal)
    group_cases.link_case(group, cases[2], by=focal)
