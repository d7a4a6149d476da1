from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.network import builders
from trm.network import actions
from trm.network.models import ActionItem, ActionStatus


def test_it_refuses_a_due_date_before_the_meeting(db):
    m = builders.meeting()
    with pytest.raises(ValidationError):
        builders.action(m, due=m.start_date - timedelta(days=1))
    assert not ActionItem.objects.exists()


def test_an_item_has_exactly_one_owner(db):
    m = builders.meeting()
    with pytest.raises(ValidationError):
        actions.add_action_item(m, description="Nobody's", by=None)
    with pytest.raises(ValidationError):
        actions.add_action_item(
            m,
            description="Two owners",
            owner_country=builders.country("BG"),
            owner_organisation=builders.organisation(),
            by=None,
        )


def test_a_conclusion_of_another_meeting_is_refused(db):
    m1, m2 = builders.meeting(), builders.meeting(start=builders.TODAY + timedelta(days=200))
    c = actions.add_conclusion(m1, text="Agreed.", by=None)
    with pytest.raises(ValidationError):
        actions.add_action_item(m2, description="X", owner_country=builders.country("BG"), conclusion=c, by=None)


def test_it_follows_the_transition_table(db):
    item = builders.action(builders.meeting())
    actions.change_status(item, event="start", by=None)
    assert item.status == ActionStatus.IN_PROGRESS
    with pytest.raises(ValidationError):
        actions.change_status(item, event="start", by=None)
    actions.change_status(item, event="complete", note="Done.", by=None)
    assert not item.is_open
    actions.change_status(item, event="reopen", by=None)
    assert item.status == ActionStatus.OPEN
    assert [n.status for n in item.notes.all()] == ["in_progress", "done", "open"]


def test_open_items_are_carried_to_every_later_meeting_until_done(db):
    first = builders.meeting(start=builders.TODAY)
    item = builders.action(first)
    second = builders.meeting(start=builders.TODAY + timedelta(days=180))
    third = builders.meeting(start=builders.TODAY + timedelta(days=360))
    assert list(ActionItem.objects.carried_to(first)) == []
    assert list(ActionItem.objects.carried_to(second)) == [item]
    actions.change_status(item, event="complete", at_meeting=second, by=None)
    assert list(ActionItem.objects.carried_to(third)) == []
    assert item.closed_at_meeting == second


def test_progress_needs_text(db):
    item = builders.action(builders.meeting())
    with pytest.raises(ValidationError):
        actions.report_progress(item, text="  ", by=None)
    note = actions.report_progress(item, text="Draft circulated.", by=None)
    assert note.status == ActionStatus.OPEN


def test_open_commitments_are_grouped_by_country(db):
    m = builders.meeting()
    builders.action(m, owner="RS")
    a2 = builders.action(m, owner="AL")
    done = builders.action(m, owner="AL")
    actions.change_status(done, event="complete", by=None)
    grouped = actions.open_commitments_by_country(ActionItem.objects.all())
    assert [(c.code, [i.pk for i in items]) for c, items in grouped] == [("AL", [a2.pk]), ("RS", [grouped[1][1][0].pk])]


def test_overdue_is_a_property_of_open_items(db):
    item = builders.action(builders.meeting(start=builders.TODAY))
    assert item.is_overdue(item.due_date + timedelta(days=1))
    assert not item.is_overdue(item.due_date)
