"""Counts that apps contribute to the node's statistics, without the statistics importing them.

An app (referrals, transnational) registers in its ``AppConfig.ready`` a ``Tally``: a named
table of counts by year and a few coded dimensions, and optionally the days behind a mean
(response times). The statistics part reads every registered tally and protects it like its
own figures (small-cell and secondary suppression); nothing here sees a case or a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Row = tuple[tuple[str, ...], int]  # (year, value of each dimension...), count
DaysRow = tuple[tuple[str, ...], float, int]  # (year, values...), total days, number of answers


@dataclass(frozen=True)
class Tally:
    name: str  # stable, e.g. "referrals.national"
    title: Any  # a lazy translation
    dims: tuple[str, ...]  # the dimensions after the year, e.g. ("service", "outcome")
    labels: Callable[[str, str], str]  # (dimension, code) -> label shown to people
    counts: Callable[[], Iterable[Row]]
    days: Callable[[], Iterable[DaysRow]] | None = None  # mean days by (year, first dimension)
    days_title: Any = None
    order: int = 100
    dim_titles: dict[str, Any] = field(default_factory=dict)


_TALLIES: dict[str, Tally] = {}


def register(tally: Tally) -> None:
    existing = _TALLIES.get(tally.name)
    if existing is not None and existing != tally:
        raise ValueError(f"a tally named {tally.name} is already registered")
    _TALLIES[tally.name] = tally


def registered() -> list[Tally]:
    return sorted(_TALLIES.values(), key=lambda t: (t.order, t.name))
