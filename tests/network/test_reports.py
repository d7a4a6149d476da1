from __future__ import annotations

from datetime import timedelta

import pytest

from tests.network import builders
from trm.network import actions, meetings, reports, updates


@pytest.fixture
def held(db):
    builders.country("XK")
    first = builders.meeting(start=builders.TODAY - timedelta(days=200), title="Spring meeting")
    carried = builders.action(first, owner="XK", text="Share the national guidelines.")
    m = builders.meeting(
        start=builders.TODAY,
        title="Autumn meeting",
        organisers="Host office",
        framework_project="Regional Partnership (synthetic)",
        objectives="Exchange | compare.",
    )
    meetings.add_session(m, title="Tour de table", chair="Secretariat", outcome="Agreed pilots.", by=None)
    for code in ("BG", "XK"):
        meetings.register(m, participant=builders.person(code=code), by=None)
    updates.save_update(m, builders.country("BG"), key_activities="Trained officers.", submit=True, by=None)
    updates.save_update(m, builders.country("XK"), key_activities="Draft only.", by=None)
    c = actions.add_conclusion(m, text="The network will meet twice a year.", by=None)
    actions.add_action_item(
        m,
        description="Nominate contact points.",
        owner_country=builders.country("BG"),
        due_date=m.start_date + timedelta(days=60),
        conclusion=c,
        by=None,
    )
    return m, carried


def test_the_markdown_report_has_every_section(held):
    m, carried = held
    text = reports.markdown(reports.collect(m, today=builders.TODAY))
    assert text.startswith("# Autumn meeting\n")
    for part in (
        "Framework project",
        "## 1. Objectives",
        "Tour de table",
        "Agreed pilots.",
        "Trained officers.",
        "The network will meet twice a year.",
        "Nominate contact points.",
        carried.description,
        "Annex: list of participants",
        "Kosovo*",
        "UNSCR 1244",
    ):
        assert part in text
    assert "Draft only." not in text  # drafts are not in the report
    assert "Exchange | compare." in text


def test_the_pdf_report_is_a_paged_document(held):
    m, _carried = held
    pdf = reports.pdf(reports.collect(m, today=builders.TODAY))
    assert pdf.startswith(b"%PDF-")
    from weasyprint import HTML

    html = reports.html(reports.collect(m, today=builders.TODAY))
    assert "counter(pages)" in html and "Annex: list of participants" in html
    document = HTML(string=html, url_fetcher=reports._no_fetch).render()
    assert len(document.pages) >= 4  # cover, contents, body, annex


def test_the_pdf_fetches_nothing(held):
    with pytest.raises(ValueError):
        reports._no_fetch("https://example.org/logo.png")


def test_date_ranges_read_naturally():
    from datetime import date

    assert reports.date_range(date(2026, 5, 19), date(2026, 5, 20)) == "19–20 May 2026"
    assert reports.date_range(date(2026, 5, 31), date(2026, 6, 1)) == "31 May – 1 June 2026"
    assert reports.date_range(date(2026, 5, 19), date(2026, 5, 19)) == "19 May 2026"
    assert reports.date_range(date(2026, 12, 31), date(2027, 1, 1)) == "31 December 2026 – 1 January 2027"
