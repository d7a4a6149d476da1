"""Deadline rules per jurisdiction, and the date arithmetic behind them (pure: no Django).

The rules are data in ``jurisdictions/<COUNTRY>.toml`` over ``jurisdictions/default.toml``;
``rules_for(country)`` merges them. ``due_date(kind, start=..., rules=...)`` turns a rule into
a date. The Django side (opening and closing Deadline rows) is in tasks.py.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

JURISDICTIONS_DIR = Path(__file__).resolve().parent / "jurisdictions"

RG_DECISION = "rg_decision"
REFLECTION_END = "reflection_end"
CG_DECISION = "cg_decision"
CHILD_REPRESENTATIVE = "child_representative"
RESIDENCE_PERMIT = "residence_permit"
RISK_REVIEW = "risk_review"
MISSING_POLICE = "missing_police"
MISSING_GUARDIAN = "missing_guardian"
MISSING_REVIEW = "missing_review"
# Deadlines counted in hours from the moment a missing episode is recorded.
HOURLY = (MISSING_POLICE, MISSING_GUARDIAN, MISSING_REVIEW)
SUPPORT_REVIEW = "support_review"  # always given its date: the plan's review date


class RulesError(ValueError):
    """A jurisdiction file is malformed (the message names the key, never a case)."""


@dataclass(frozen=True)
class Rules:
    name: str
    reflection_period_days: int = 30
    reflection_starts: str = "reasonable_grounds"
    rg_decision_working_days: int = 5
    cg_decision_days: int = 45
    cg_not_before_reflection_end: bool = False
    residence_permit_months: int = 6
    child_representative_working_days: int = 15
    risk_assessment_refresh_days: int = 90
    due_soon_days: int = 7
    # A missing person (hours from the moment the episode is recorded).
    missing_police_report_hours: int = 2
    missing_inform_guardian_hours: int = 4
    missing_review_hours: int = 24
    weekend: frozenset[int] = frozenset({6, 7})
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    decision_body: str = "NonPoliceGovernmentalOrganization"
    # Retention of closed cases (core/retention.py applies it): years after closing, then
    # "anonymise" (keep the statistical fields) or "delete".
    retention_closed_case_years: int = 5
    retention_action: str = "anonymise"


RETENTION_ACTIONS = ("anonymise", "delete")


_INT_KEYS = (
    "reflection_period_days",
    "rg_decision_working_days",
    "cg_decision_days",
    "residence_permit_months",
    "child_representative_working_days",
    "risk_assessment_refresh_days",
    "due_soon_days",
    "missing_police_report_hours",
    "missing_inform_guardian_hours",
    "missing_review_hours",
)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def parse_rules(data: dict[str, Any]) -> Rules:
    """Validate a merged jurisdiction document and build Rules."""
    deadlines = data.get("deadlines", {})
    calendar = data.get("calendar", {})
    kwargs: dict[str, Any] = {"name": str(data.get("name", ""))}
    for key in _INT_KEYS:
        if key in deadlines:
            value = deadlines[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise RulesError(f"deadlines.{key} must be a non-negative integer")
            kwargs[key] = value
    if kwargs.get("reflection_period_days", 30) < 30:
        raise RulesError("deadlines.reflection_period_days must be at least 30 (CETS 197 Art. 13)")
    starts = deadlines.get("reflection_starts", "reasonable_grounds")
    if starts not in ("reasonable_grounds", "formal_identification"):
        raise RulesError("deadlines.reflection_starts must be reasonable_grounds or formal_identification")
    kwargs["reflection_starts"] = starts
    kwargs["cg_not_before_reflection_end"] = bool(deadlines.get("cg_not_before_reflection_end", False))
    weekend = calendar.get("weekend", [6, 7])
    if not all(isinstance(d, int) and 1 <= d <= 7 for d in weekend) or len(set(weekend)) > 6:
        raise RulesError("calendar.weekend must list ISO weekdays 1-7, leaving at least one working day")
    kwargs["weekend"] = frozenset(weekend)
    try:
        kwargs["holidays"] = frozenset(dt.date.fromisoformat(str(d)) for d in calendar.get("holidays", []))
    except ValueError:
        raise RulesError("calendar.holidays must be ISO dates (YYYY-MM-DD)") from None
    kwargs["decision_body"] = str(data.get("identification", {}).get("decision_body", Rules.decision_body))
    retention = data.get("retention", {})
    years = retention.get("closed_case_years", Rules.retention_closed_case_years)
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise RulesError("retention.closed_case_years must be a positive integer")
    action = retention.get("action", Rules.retention_action)
    if action not in RETENTION_ACTIONS:
        raise RulesError("retention.action must be anonymise or delete")
    kwargs["retention_closed_case_years"] = years
    kwargs["retention_action"] = action
    return Rules(**kwargs)


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@cache
def rules_for(country: str, directory: Path = JURISDICTIONS_DIR) -> Rules:
    """The rules of a country: its file merged over default.toml (or the default alone)."""
    data = _load(directory / "default.toml")
    own = directory / f"{country.upper()}.toml"
    if country.isalpha() and own.is_file():
        data = _merge(data, _load(own))
    return parse_rules(data)


# ------------------------------------------------------------------------------------------
# Date arithmetic


def is_working_day(day: dt.date, *, rules: Rules) -> bool:
    return day.isoweekday() not in rules.weekend and day not in rules.holidays


def add_working_days(start: dt.date, n: int, *, rules: Rules) -> dt.date:
    """The n-th working day after start (start itself does not count)."""
    day = start
    left = n
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, rules=rules):
            left -= 1
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day n months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(start.day, last))


def due_date(kind: str, *, start: dt.date, rules: Rules) -> dt.date:
    """When a deadline of this kind, started on ``start``, falls due."""
    if kind == RG_DECISION:
        return add_working_days(start, rules.rg_decision_working_days, rules=rules)
    if kind == REFLECTION_END:
        return start + dt.timedelta(days=rules.reflection_period_days)
    if kind == CG_DECISION:
        return start + dt.timedelta(days=rules.cg_decision_days)
    if kind == CHILD_REPRESENTATIVE:
        return add_working_days(start, rules.child_representative_working_days, rules=rules)
    if kind == RESIDENCE_PERMIT:
        return add_months(start, rules.residence_permit_months)
    if kind == RISK_REVIEW:
        return start + dt.timedelta(days=rules.risk_assessment_refresh_days)
    if kind in HOURLY:
        return (_start_of(start) + hours_for(kind, rules=rules)).date()
    raise ValueError(f"unknown deadline kind: {kind}")


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def hours_for(kind: str, *, rules: Rules) -> dt.timedelta:
    """How long a deadline counted in hours runs."""
    hours = {
        MISSING_POLICE: rules.missing_police_report_hours,
        MISSING_GUARDIAN: rules.missing_inform_guardian_hours,
        MISSING_REVIEW: rules.missing_review_hours,
    }
    if kind not in hours:
        raise ValueError(f"not an hourly deadline kind: {kind}")
    return dt.timedelta(hours=hours[kind])


def due_at(kind: str, *, start: dt.datetime, rules: Rules) -> dt.datetime:
    """When an hourly deadline (a missing person), started at ``start``, falls due."""
    return start + hours_for(kind, rules=rules)


def urgency(due: dt.date, *, today: dt.date, rules: Rules) -> str:
    """ "overdue", "due" (within due_soon_days) or "ok"."""
    if due < today:
        return "overdue"
    if due <= today + dt.timedelta(days=rules.due_soon_days):
        return "due"
    return "ok"
