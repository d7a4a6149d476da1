from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.network import builders
from trm.network import meetings
from trm.network.models import Attendance, AttendanceStatus, Meeting


def test_it_refuses_dates_out_of_order(db):
    with pytest.raises(ValidationError):
        meetings.plan_meeting(
            title="X",
            start_date=date(2026, 5, 20),
            end_date=date(2026, 5, 19),
            host_country=builders.country("SI"),
            city="Ljubljana",
            by=None,
        )
    assert not Meeting.objects.exists()


def test_it_refuses_a_registration_deadline_after_the_meeting(db):
    with pytest.raises(ValidationError):
        builders.meeting(start=date(2026, 5, 19), registration_deadline=date(2026, 6, 1))


def test_sessions_must_fall_within_the_meeting(db):
    m = builders.meeting(start=date(2026, 5, 19))
    with pytest.raises(ValidationError):
        meetings.add_session(m, title="Opening", day=date(2026, 5, 25), by=None)
    with pytest.raises(ValidationError):
        meetings.add_session(m, title="Opening", day=date(2026, 5, 19), starts_at=time(10), ends_at=time(9), by=None)
    s1 = meetings.add_session(m, title="Opening", day=date(2026, 5, 19), by=None)
    s2 = meetings.add_session(m, title="Tour de table", by=None)
    assert (s1.order, s2.order) == (1, 2)


def test_moving_the_meeting_away_from_its_sessions_is_refused(db):
    m = builders.meeting(start=date(2026, 5, 19))
    meetings.add_session(m, title="Opening", day=date(2026, 5, 19), by=None)
    with pytest.raises(ValidationError):
        meetings.update_meeting(m, start_date=date(2026, 6, 2), end_date=date(2026, 6, 3), by=None)


def test_invitations_keep_the_position_held_at_the_meeting_and_are_idempotent(db):
    m = builders.meeting()
    p = builders.person()
    assert meetings.invite(m, participants=[p], by=None) == 1
    assert meetings.invite(m, participants=[p], by=None) == 0
    attendance = Attendance.objects.get()
    assert attendance.position == "National Coordinator"
    assert attendance.institution == "Office of the Coordinator"
    meetings.register(m, participant=p, by=None)
    attendance.refresh_from_db()
    assert attendance.status == AttendanceStatus.REGISTERED


def test_the_participants_list_has_only_registered_people_by_country(db):
    m = builders.meeting()
    ro, bg, absent = builders.person(code="RO"), builders.person(code="BG"), builders.person(code="AL")
    for p in (ro, bg):
        meetings.register(m, participant=p, by=None)
    meetings.invite(m, participants=[absent], by=None)
    assert [a.participant for a in meetings.participants_list(m)] == [bg, ro]


def test_the_suggestion_follows_the_rhythm_and_the_rotation(db):
    builders.country("AL", rotation_order=1)
    builders.country("BA", rotation_order=2)
    builders.meeting(start=date(2026, 5, 12), host="AL")
    suggestion = meetings.suggestion(today=date(2026, 3, 2))
    assert suggestion.period.half == 2
    assert suggestion.host == "BA"
    assert suggestion.start_date > date(2026, 6, 30) - timedelta(days=1)
