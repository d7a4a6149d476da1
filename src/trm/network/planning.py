"""The agreed rhythm of meetings and the host rotation; pure (dates and codes in, answers out).

The network agreed to meet twice a year: once in each half-year. The host rotates among the
countries in the rotation, in the order the network set: a country that never hosted comes
first, then the one whose last turn is the oldest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MEETINGS_PER_YEAR = 2  # the agreed rhythm: one meeting in each half-year
SUGGESTED_MONTHS = {1: 5, 2: 11}  # May and November
MEETING_DAYS = 2


@dataclass(frozen=True, order=True)
class HalfYear:
    year: int
    half: int  # 1 or 2

    @classmethod
    def of(cls, day: date) -> HalfYear:
        return cls(day.year, 1 if day.month <= 6 else 2)

    def next(self) -> HalfYear:
        return HalfYear(self.year + 1, 1) if self.half == 2 else HalfYear(self.year, 2)

    @property
    def first_day(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)


@dataclass(frozen=True)
class Suggestion:
    period: HalfYear
    start_date: date
    end_date: date
    host: str | None


def next_free_period(meeting_days: Iterable[date], *, today: date) -> HalfYear:
    """The first half-year from today's on that has no meeting yet."""
    taken = {HalfYear.of(d) for d in meeting_days}
    period = HalfYear.of(today)
    while period in taken:
        period = period.next()
    return period


def suggested_dates(period: HalfYear, *, today: date) -> tuple[date, date]:
    """A Tuesday–Wednesday in the middle of the usual month of the half-year, not in the past."""
    start = date(period.year, SUGGESTED_MONTHS[period.half], 15)
    start += timedelta(days=(1 - start.weekday()) % 7)  # next Tuesday
    if start < today:
        start = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return start, start + timedelta(days=MEETING_DAYS - 1)


def next_host(rotation: Sequence[str], past_hosts: Sequence[tuple[date, str]]) -> str | None:
    """Whose turn it is: never hosted first (in rotation order), then the oldest last turn."""
    if not rotation:
        return None
    last_turn: dict[str, date] = {}
    for day, code in past_hosts:
        if code in rotation and (code not in last_turn or day > last_turn[code]):
            last_turn[code] = day
    order = {code: i for i, code in enumerate(rotation)}
    return min(rotation, key=lambda code: (code in last_turn, last_turn.get(code, date.min), order[code]))


def suggest_next(*, rotation: Sequence[str], meetings: Sequence[tuple[date, str]], today: date) -> Suggestion:
    """The next meeting the rhythm asks for: ``meetings`` are (first day, host) of held and planned ones."""
    period = next_free_period((d for d, _host in meetings), today=today)
    start, end = suggested_dates(period, today=today)
    return Suggestion(period=period, start_date=start, end_date=end, host=next_host(rotation, meetings))


def missed_periods(meeting_days: Iterable[date], *, since: date, today: date) -> list[HalfYear]:
    """Past half-years since ``since`` in which the network did not meet."""
    taken = {HalfYear.of(d) for d in meeting_days}
    out, period, current = [], HalfYear.of(since), HalfYear.of(today)
    while period < current:
        if period not in taken:
            out.append(period)
        period = period.next()
    return out
