"""iCalendar (RFC 5545) export of meetings, written by hand: escaping, CRLF and line folding.

Meetings are all-day events (``VALUE=DATE``; ``DTEND`` is the day after the last day, as the
RFC's non-inclusive end requires). Text values escape backslash, semicolon, comma and
newlines (§3.3.11); content lines are folded at 75 octets without splitting a UTF-8
character (§3.1). Contents are the meeting's public facts; no participant data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from trm.network.models import Meeting, MeetingStatus

PRODID = "-//TRM//Network meetings//EN"
_STATUS = {MeetingStatus.PLANNED: "TENTATIVE", MeetingStatus.HELD: "CONFIRMED", MeetingStatus.CANCELLED: "CANCELLED"}


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into chunks of at most 75 octets, continuation lines start with a space."""
    out: list[str] = []
    chunk: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(chunk))
            chunk, size, limit = [], 0, 74  # the leading space counts
        chunk.append(char)
        size += width
    out.append("".join(chunk))
    return "\r\n ".join(out)


def _line(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event_lines(meeting: Meeting, *, node_id: str, now: datetime, url: str = "") -> list[str]:
    description = meeting.objectives
    if meeting.framework_project:
        description = f"{description}\n\n{meeting.framework_project}".strip()
    location = ", ".join(p for p in (meeting.venue, meeting.city, meeting.host_country.name) if p)
    lines = [
        "BEGIN:VEVENT",
        _line("UID", f"network-meeting-{meeting.pk}@{node_id}"),
        _line("DTSTAMP", _stamp(now)),
        _line("DTSTART;VALUE=DATE", meeting.start_date.strftime("%Y%m%d")),
        _line("DTEND;VALUE=DATE", (meeting.end_date + timedelta(days=1)).strftime("%Y%m%d")),
        _line("SUMMARY", escape_text(meeting.title)),
        _line("LOCATION", escape_text(location)),
        _line("STATUS", _STATUS[MeetingStatus(meeting.status)]),
        "TRANSP:OPAQUE",
    ]
    if description:
        lines.append(_line("DESCRIPTION", escape_text(description)))
    if url:
        lines.append(_line("URL", url))
    lines.append("END:VEVENT")
    return lines


def calendar(meetings: Iterable[Meeting], *, node_id: str, now: datetime, name: str, url_for: object = None) -> bytes:
    """A VCALENDAR with one VEVENT per meeting, CRLF line ends, UTF-8."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        _line("PRODID", PRODID),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _line("X-WR-CALNAME", escape_text(name)),
    ]
    for meeting in meetings:
        url = url_for(meeting) if callable(url_for) else ""
        lines.extend(event_lines(meeting, node_id=node_id, now=now, url=url))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
