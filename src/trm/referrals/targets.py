"""Response-time targets of referrals, as data (targets.toml), and the due dates they give.

Pure apart from reading the file: ``targets_for(country)`` merges the defaults, the
service entries and the country's overrides; ``answer_due`` and ``start_due`` count
working days on the jurisdiction's calendar (cases.deadlines).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from trm.cases.deadlines import Rules, add_working_days

TARGETS_FILE = Path(__file__).resolve().parent / "targets.toml"
_KEYS = ("answer_working_days", "urgent_answer_working_days", "start_working_days")


class TargetsError(ValueError):
    """targets.toml is malformed (the message names the key)."""


@dataclass(frozen=True)
class Target:
    answer_working_days: int = 2
    urgent_answer_working_days: int = 1
    start_working_days: int = 5


def _target(base: Target, data: dict[str, Any], where: str) -> Target:
    values = {k: getattr(base, k) for k in _KEYS}
    for key, value in data.items():
        if key not in _KEYS:
            raise TargetsError(f"{where}.{key} is not a known target")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60:
            raise TargetsError(f"{where}.{key} must be a whole number of working days (0-60)")
        values[key] = value
    return Target(**values)


def parse(data: dict[str, Any], country: str) -> dict[str, Target]:
    """Targets per service ("" is the default) for one country."""
    own = data.get("countries", {}).get(country.upper(), {})
    default = _target(Target(), data.get("default", {}), "default")
    default = _target(default, own.get("default", {}), f"countries.{country}.default")
    out = {"": default}
    services = set(data.get("services", {})) | set(own.get("services", {}))
    for service in services:
        target = _target(default, data.get("services", {}).get(service, {}), f"services.{service}")
        out[service] = _target(target, own.get("services", {}).get(service, {}), f"countries.{country}.{service}")
    return out


@cache
def targets_for(country: str, path: Path = TARGETS_FILE) -> dict[str, Target]:
    with path.open("rb") as fh:
        return parse(tomllib.load(fh), country)


def target(service: str, *, country: str) -> Target:
    table = targets_for(country)
    return table.get(service, table[""])


def _add(start: dt.date, n: int, rules: Rules) -> dt.date:
    return start if n == 0 else add_working_days(start, n, rules=rules)


def answer_due(service: str, *, urgent: bool, start: dt.date, country: str, rules: Rules) -> dt.date:
    t = target(service, country=country)
    return _add(start, t.urgent_answer_working_days if urgent else t.answer_working_days, rules)


def start_due(service: str, *, start: dt.date, country: str, rules: Rules) -> dt.date:
    return _add(start, target(service, country=country).start_working_days, rules)
