"""Builders for justice tests: claims made through the verbs (synthetic data only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from trm.justice import compensation
from trm.justice.models.compensation import Claim


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def claim(case: Any, by: Any, **overrides: Any) -> Claim:
    data: dict[str, Any] = {"kind": "offender", "currency_code": "EUR", "amount_claimed": "10000.00"}
    data.update(overrides)
    return compensation.open_claim(case, by=by, **data)


def awarded(case: Any, by: Any, amount: str = "8000.00", **overrides: Any) -> Claim:
    made = claim(case, by, **overrides)
    compensation.file(made, filed_on=days_ago(100), by=by)
    return compensation.decide(made, awarded=True, decided_on=days_ago(50), amount_awarded=amount, by=by)
