from __future__ import annotations

from datetime import date

from trm.network import planning
from trm.network.planning import HalfYear


def test_it_finds_the_first_half_year_without_a_meeting():
    held = [date(2025, 5, 20), date(2025, 11, 18), date(2026, 4, 1)]
    assert planning.next_free_period(held, today=date(2025, 12, 1)) == HalfYear(2026, 2)


def test_it_suggests_a_tuesday_in_the_usual_month():
    start, end = planning.suggested_dates(HalfYear(2026, 2), today=date(2026, 1, 5))
    assert start.month == 11 and start.weekday() == 1
    assert (end - start).days == 1


def test_it_never_suggests_a_date_in_the_past():
    start, _end = planning.suggested_dates(HalfYear(2026, 1), today=date(2026, 6, 10))
    assert start > date(2026, 6, 10)


def test_it_gives_the_turn_to_a_country_that_never_hosted():
    past = [(date(2024, 5, 1), "AL"), (date(2024, 11, 1), "BA")]
    assert planning.next_host(["AL", "BA", "BG"], past) == "BG"


def test_it_gives_the_turn_to_the_oldest_host_once_all_hosted():
    past = [(date(2024, 5, 1), "AL"), (date(2024, 11, 1), "BA"), (date(2023, 1, 1), "BG"), (date(2025, 5, 1), "AL")]
    assert planning.next_host(["AL", "BA", "BG"], past) == "BG"


def test_it_has_no_host_without_a_rotation():
    assert planning.next_host([], []) is None


def test_it_lists_missed_half_years():
    missed = planning.missed_periods([date(2025, 5, 1)], since=date(2024, 7, 1), today=date(2026, 2, 1))
    assert missed == [HalfYear(2024, 2), HalfYear(2025, 2)]


def test_half_year_boundaries():
    assert HalfYear.of(date(2026, 6, 30)) == HalfYear(2026, 1)
    assert HalfYear(2026, 2).first_day == date(2026, 7, 1)
    assert HalfYear(2026, 1).last_day == date(2026, 6, 30)
    assert HalfYear(2026, 2).next() == HalfYear(2027, 1)
