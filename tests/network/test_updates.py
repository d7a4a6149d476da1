from __future__ import annotations

from datetime import timedelta

import pytest

from tests.network import builders
from trm.network import updates


@pytest.fixture
def clean_provider():
    previous = updates.statistics_provider()
    yield
    updates.register_statistics_provider(previous)


def test_without_a_provider_no_statistics_are_attached(db, clean_provider):
    updates.register_statistics_provider(None)
    m = builders.meeting()
    update = updates.save_update(m, builders.country("BG"), key_activities="x", by=None)
    assert updates.attach_node_statistics(update, period_start=m.start_date - timedelta(days=180), by=None) is None
    update.refresh_from_db()
    assert update.statistics is None


def test_a_registered_provider_fills_the_statistics(db, clean_provider):
    calls = []

    def provider(code, start, end):
        calls.append((code, start, end))
        return {"identified_victims": {"value": None, "suppressed": True}}

    updates.register_statistics_provider(provider)
    m = builders.meeting()
    update = updates.save_update(m, builders.country("BG"), by=None)
    start = m.start_date - timedelta(days=180)
    updates.attach_node_statistics(update, period_start=start, by=None)
    update.refresh_from_db()
    assert calls == [("BG", start, m.start_date)]
    assert update.statistics["data"]["identified_victims"]["suppressed"] is True


def test_a_provider_with_nothing_to_say_leaves_the_update_alone(db, clean_provider):
    updates.register_statistics_provider(lambda code, start, end: None)
    m = builders.meeting()
    update = updates.save_update(m, builders.country("BG"), by=None)
    assert updates.attach_node_statistics(update, period_start=m.start_date, by=None) is None
