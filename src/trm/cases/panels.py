"""The dashboard panel "Deadlines and tasks": open deadlines of the user's cases, soonest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.accounts.roles import Cap
from trm.cases import deadlines, tasks
from trm.dashboard.panels import Panel


def deadlines_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    if not user.is_authenticated or not user.can(Cap.SEE_CASE_DATA):
        return None
    # Deadlines counted in hours (a missing person) are always listed, however many others are due.
    urgent = tasks.urgent_for(user)
    items = urgent + [d for d in tasks.tasks_for(user) if d.due_at is None]
    if not items:
        return None
    today = timezone.localdate()
    now = timezone.now()
    rules = tasks.rules()
    rows = [
        {
            "deadline": d,
            "urgency": _hourly_urgency(d.due_at, now=now)
            if d.due_at is not None
            else deadlines.urgency(d.due_on, today=today, rules=rules),
            "days": (d.due_on - today).days,
            "abs_days": abs((d.due_on - today).days),
        }
        for d in items
    ]
    # Deadlines counted in hours (a missing person) come first.
    rows.sort(key=_order)
    overdue = sum(1 for r in rows if r["urgency"] == "overdue")
    return Panel(
        title=_("Deadlines and tasks"),
        template="cases/_panel_tasks.html",
        context={"rows": rows, "overdue": overdue},
        order=10,
    )


def _hourly_urgency(due_at: dt.datetime, *, now: dt.datetime) -> str:
    """A deadline counted in hours: "overdue" once passed, "urgent" until then."""
    return "overdue" if due_at < now else "urgent"


def _order(row: dict[str, Any]) -> tuple[bool, Any]:
    d = row["deadline"]
    return (d.due_at is None, d.due_at if d.due_at is not None else d.due_on)
