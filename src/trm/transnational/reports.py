"""Post-return reports due in a conversation (SOP 4, step 6): opened on arrival, closed one by one.

The same functions run when this node sends the message and when it receives it, so both
sides keep the same due dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from trm.cases.deadlines import add_months
from trm.transnational.models import REPORT_MONTHS, Link, ReportDue


def schedule(link: Link, arrived_on: dt.date) -> list[ReportDue]:
    """Post-return reports due 3, 6 and 12 months after arrival (idempotent)."""
    due = [(months, add_months(arrived_on, months)) for months in REPORT_MONTHS]
    return [ReportDue.objects.get_or_create(link=link, months=m, defaults={"due_on": d})[0] for m, d in due]


def done(link: Link, months: int) -> None:
    ReportDue.objects.open().filter(link=link, months=months).update(done_at=timezone.now())


def on_arrival(link: Link, body: Mapping[str, Any]) -> None:
    """An ``arrival_confirmation`` sent or received: the reports fall due from its date."""
    schedule(link, dt.date.fromisoformat(str(body["arrived_on"])))


def on_report(link: Link, body: Mapping[str, Any]) -> None:
    """A ``post_return_report`` sent or received closes the report due for its month."""
    done(link, int(body["months_after_return"]))
