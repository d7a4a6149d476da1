from __future__ import annotations

from datetime import UTC, date, datetime

from tests.network import builders
from trm.network import calendar

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_it_escapes_text_values():
    assert calendar.escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_it_folds_long_lines_at_75_octets_without_splitting_characters():
    line = "DESCRIPTION:" + "Čć" * 80
    folded = calendar.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_it_writes_an_all_day_event_with_an_exclusive_end(db):
    m = builders.meeting(start=date(2026, 5, 19), title="Meeting; Ljubljana, 2026")
    body = calendar.calendar([m], node_id="net", now=NOW, name="Network").decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "DTSTART;VALUE=DATE:20260519\r\n" in body
    assert "DTEND;VALUE=DATE:20260521\r\n" in body
    assert "SUMMARY:Meeting\\; Ljubljana\\, 2026\r\n" in body
    assert f"UID:network-meeting-{m.pk}@net\r\n" in body
    assert "DTSTAMP:20260302T100000Z" in body
    assert "STATUS:TENTATIVE" in body
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
