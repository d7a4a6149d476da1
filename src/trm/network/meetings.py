"""Meetings of the network: planning, agenda, invitations and registrations, minutes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.audit.events import Action
from trm.audit.record import record
from trm.lib.changes import apply_changes
from trm.network import access, planning
from trm.network.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    NetworkCountry,
    Participant,
    Position,
    Session,
)

MEETING_FIELDS = (
    "title",
    "kind",
    "status",
    "start_date",
    "end_date",
    "host_country",
    "city",
    "venue",
    "organisers",
    "framework_project",
    "objectives",
    "registration_deadline",
    "minutes",
)
SESSION_FIELDS = ("order", "title", "day", "starts_at", "ends_at", "chair", "description", "outcome")


@transaction.atomic
def plan_meeting(
    *,
    title: str,
    start_date: date,
    end_date: date,
    host_country: NetworkCountry,
    city: str,
    by: User,
    **details: Any,
) -> Meeting:
    """Plan a meeting; dates out of order are refused (ValidationError)."""
    access.check("plan_meeting", by)
    unknown = set(details) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    meeting = Meeting(
        title=title, start_date=start_date, end_date=end_date, host_country=host_country, city=city, **details
    )
    meeting.full_clean()
    meeting.save(force_insert=True)
    record(by, Action.CREATE, meeting, fields=["title", "start_date", "end_date", "host_country", *sorted(details)])
    return meeting


@transaction.atomic
def update_meeting(meeting: Meeting, *, by: User, **changes: Any) -> Meeting:
    access.check("update_meeting", by, meeting)
    if "minutes" in changes:
        access.check("record_minutes", by, meeting)
    changed = apply_changes(meeting, changes, MEETING_FIELDS)
    if changed:
        meeting.full_clean()
        _check_sessions_within(meeting)
        meeting.save(update_fields=changed)
        record(by, Action.UPDATE, meeting, fields=changed)
    return meeting


def record_minutes(meeting: Meeting, *, minutes: str, by: User) -> Meeting:
    """Minutes of a cancelled meeting are refused (Conflict)."""
    return update_meeting(meeting, minutes=minutes, by=by)


def suggestion(*, today: date) -> planning.Suggestion:
    """The next meeting the agreed rhythm and the host rotation ask for."""
    rotation = list(
        NetworkCountry.objects.filter(rotation_order__isnull=False)
        .order_by("rotation_order")
        .values_list("code", flat=True)
    )
    meetings = [
        (m.start_date, m.host_country.code)
        for m in Meeting.objects.exclude(status=MeetingStatus.CANCELLED).select_related("host_country")
    ]
    return planning.suggest_next(rotation=rotation, meetings=meetings, today=today)


# --- agenda --------------------------------------------------------------------------


@transaction.atomic
def add_session(meeting: Meeting, *, title: str, by: User, order: int | None = None, **details: Any) -> Session:
    access.check("add_session", by, meeting)
    unknown = set(details) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    if order is None:
        order = (meeting.sessions.aggregate(m=Max("order"))["m"] or 0) + 1
    session = Session(meeting=meeting, title=title, order=order, **details)
    session.full_clean()
    _check_day(meeting, session)
    session.save(force_insert=True)
    record(by, Action.CREATE, session, fields=["title", "order", *sorted(details)])
    return session


@transaction.atomic
def update_session(session: Session, *, by: User, **changes: Any) -> Session:
    access.check("update_session", by, session)
    changed = apply_changes(session, changes, SESSION_FIELDS)
    if changed:
        session.full_clean()
        _check_day(session.meeting, session)
        session.save(update_fields=changed)
        record(by, Action.UPDATE, session, fields=changed)
    return session


def _check_day(meeting: Meeting, session: Session) -> None:
    if session.day is not None and not meeting.start_date <= session.day <= meeting.end_date:
        raise ValidationError({"day": _("The session must fall within the meeting's dates.")})


def _check_sessions_within(meeting: Meeting) -> None:
    outside = meeting.sessions.exclude(day__isnull=True).exclude(day__gte=meeting.start_date, day__lte=meeting.end_date)
    if outside.exists():
        raise ValidationError(_("Some sessions would fall outside the new dates; move them first."))


# --- invitations and registrations ----------------------------------------------------------


def _position_at(participant: Participant, day: date) -> Position | None:
    positions = list(participant.positions.all())
    current = [p for p in positions if p.is_current(day)]
    candidates = current or positions
    return candidates[0] if candidates else None


@transaction.atomic
def invite(meeting: Meeting, *, participants: Iterable[Participant], by: User) -> int:
    """Invite people (idempotent); position and institution are kept as at the meeting."""
    access.check("invite", by, meeting)
    created = 0
    for participant in participants:
        if Attendance.objects.filter(meeting=meeting, participant=participant).exists():
            continue
        _new_attendance(meeting, participant, AttendanceStatus.INVITED, by=by)
        created += 1
    return created


@transaction.atomic
def register(meeting: Meeting, *, participant: Participant, by: User) -> Attendance:
    """Register someone for the meeting (inviting them first if needed)."""
    access.check("register", by, meeting)
    attendance = Attendance.objects.filter(meeting=meeting, participant=participant).first()
    if attendance is None:
        return _new_attendance(meeting, participant, AttendanceStatus.REGISTERED, by=by)
    return set_attendance(attendance, status=AttendanceStatus.REGISTERED, by=by)


@transaction.atomic
def set_attendance(attendance: Attendance, *, status: str, by: User) -> Attendance:
    access.check("set_attendance", by, attendance)
    if attendance.status != status:
        attendance.status = status
        attendance.full_clean()
        attendance.save(update_fields=["status", "updated_at"])
        record(by, Action.UPDATE, attendance, fields=["status"], note=status)
    return attendance


def _new_attendance(meeting: Meeting, participant: Participant, status: str, *, by: User) -> Attendance:
    position = _position_at(participant, meeting.start_date)
    attendance = Attendance(
        meeting=meeting,
        participant=participant,
        status=status,
        position=position.title or position.get_kind_display() if position else "",
        institution=position.institution if position else "",
    )
    attendance.full_clean()
    attendance.save(force_insert=True)
    record(by, Action.CREATE, attendance, fields=["participant", "status"], note=status)
    return attendance


def participants_list(meeting: Meeting, *, statuses: Iterable[str] | None = None) -> list[Attendance]:
    """The list of participants (the report's annex): by country, then organisation, then name."""
    wanted = list(statuses) if statuses is not None else [AttendanceStatus.REGISTERED, AttendanceStatus.ATTENDED]
    rows = list(
        meeting.attendances.filter(status__in=wanted).select_related(
            "participant", "participant__country", "participant__organisation"
        )
    )
    rows.sort(
        key=lambda a: (
            a.participant.country is None,
            a.participant.country.name if a.participant.country else str(a.participant.organisation or ""),
            a.participant.last_name,
            a.participant.first_name,
        )
    )
    return rows
