from __future__ import annotations

import datetime as dt

import pytest

from trm.cases import deadlines
from trm.cases.deadlines import Rules, RulesError, add_months, add_working_days, due_date, parse_rules, rules_for

RULES = Rules(name="test", holidays=frozenset({dt.date(2025, 12, 25), dt.date(2025, 12, 26)}))


def test_it_skips_weekends_when_adding_working_days():
    friday = dt.date(2025, 6, 6)
    assert add_working_days(friday, 1, rules=RULES) == dt.date(2025, 6, 9)
    assert add_working_days(friday, 5, rules=RULES) == dt.date(2025, 6, 13)


def test_it_skips_configured_holidays():
    wednesday = dt.date(2025, 12, 24)
    assert add_working_days(wednesday, 1, rules=RULES) == dt.date(2025, 12, 29)


def test_it_counts_zero_working_days_as_the_same_day():
    assert add_working_days(dt.date(2025, 6, 7), 0, rules=RULES) == dt.date(2025, 6, 7)


def test_it_clamps_months_to_the_last_day():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)


def test_it_computes_each_kind_of_deadline():
    start = dt.date(2025, 6, 2)  # a Monday
    assert due_date(deadlines.REFLECTION_END, start=start, rules=RULES) == dt.date(2025, 7, 2)
    assert due_date(deadlines.RG_DECISION, start=start, rules=RULES) == dt.date(2025, 6, 9)
    assert due_date(deadlines.CHILD_REPRESENTATIVE, start=start, rules=RULES) == dt.date(2025, 6, 23)
    assert due_date(deadlines.RESIDENCE_PERMIT, start=start, rules=RULES) == dt.date(2025, 12, 2)
    assert due_date(deadlines.CG_DECISION, start=start, rules=RULES) == dt.date(2025, 7, 17)
    assert due_date(deadlines.RISK_REVIEW, start=start, rules=RULES) == dt.date(2025, 8, 31)
    with pytest.raises(ValueError):
        due_date("nonsense", start=start, rules=RULES)


def test_it_loads_the_default_and_a_country_override():
    default = rules_for("ZZ")
    assert default.reflection_period_days == 30
    assert default.reflection_starts == "reasonable_grounds"
    assert default.rg_decision_working_days == 5
    assert default.child_representative_working_days == 15
    bg = rules_for("BG")
    assert bg.reflection_starts == "formal_identification"
    assert dt.date(2025, 3, 3) in bg.holidays
    assert bg.reflection_period_days == 30


def test_it_refuses_a_reflection_period_shorter_than_30_days():
    with pytest.raises(RulesError, match="at least 30"):
        parse_rules({"deadlines": {"reflection_period_days": 20}})


@pytest.mark.parametrize(
    "doc",
    [
        {"deadlines": {"rg_decision_working_days": -1}},
        {"deadlines": {"rg_decision_working_days": "five"}},
        {"deadlines": {"reflection_starts": "whenever"}},
        {"calendar": {"weekend": [8]}},
        {"calendar": {"weekend": [1, 2, 3, 4, 5, 6, 7]}},
        {"calendar": {"holidays": ["not a date"]}},
    ],
)
def test_it_refuses_malformed_rules(doc):
    with pytest.raises(RulesError):
        parse_rules(doc)


def test_it_tells_overdue_due_and_ok():
    today = dt.date(2025, 6, 10)
    assert deadlines.urgency(dt.date(2025, 6, 9), today=today, rules=RULES) == "overdue"
    assert deadlines.urgency(dt.date(2025, 6, 15), today=today, rules=RULES) == "due"
    assert deadlines.urgency(dt.date(2025, 7, 15), today=today, rules=RULES) == "ok"
