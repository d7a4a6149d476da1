"""The secretariat plans a meeting, imports its participants, records conclusions and downloads the report."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_user
from trm.accounts.roles import Role
from trm.network import directory
from trm.network.models import ActionItem, Attendance, Meeting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUT = Path(os.environ.get("TRM_E2E_OUT", "/tmp/trm-network-e2e"))

PARTICIPANTS_CSV = (
    "Country,Organisation,Last name,First name,Role,Position,Institution,E-mail,Phone\r\n"
    "Slovenia,,Novak,Maja,National coordinator,National Anti-Trafficking Coordinator,"
    "Ministry of the Interior,maja.novak@coordination.si.example,+386 1 000 0001\r\n"
    "Bulgaria,,Petrova,Elena,National coordinator,Secretary of the National Commission,"
    "National Commission for Combating Trafficking,elena.petrova@coordination.bg.example,\r\n"
    "Romania,,Popescu,Andrei,Deputy national coordinator,Deputy Director,"
    "National Agency against Trafficking,andrei.popescu@coordination.ro.example,\r\n"
    "Kosovo*,,Berisha,Drita,National coordinator,National Coordinator,"
    "Ministry of Internal Affairs,drita.berisha@coordination.xk.example,\r\n"
    "Sweden,,Lindqvist,Karin,National rapporteur,National Rapporteur,"
    "Swedish Police Authority,karin.lindqvist@coordination.se.example,\r\n"
    ",RCMP,Hughes,Sara,Secretariat,Programme Manager,"
    "Regional Centre for Migration Policy,sara.hughes@rcmp.example,\r\n"
    # the same person twice (same e-mail, other case): merged into one row
    "Romania,,Popescu,Andrei,Deputy national coordinator,Deputy Director,"
    "National Agency against Trafficking,Andrei.Popescu@coordination.ro.example,+40 21 000 0000\r\n"
)


@pytest.fixture
def network(db):
    for order, code in enumerate(("SI", "BG", "RO", "XK", "SE"), start=1):
        directory.add_country(code=code, rotation_order=order if code != "SE" else None, by=None)
    directory.add_organisation(
        name="Regional Centre for Migration Policy", short_name="RCMP", kind="secretariat", by=None
    )


def _fill_meeting(page, *, title: str, start, city: str, host: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_label("Last day").fill((start + timedelta(days=1)).isoformat())
    page.get_by_label("Host country").select_option(label=host)
    page.get_by_label("City").fill(city)
    page.get_by_label("Venue").fill("Brdo Congress Centre, Hall B")
    page.get_by_label("Organisers").fill("Office of the National Coordinator of Slovenia and the network secretariat")
    page.get_by_label("Framework project").fill("Regional Partnership against Trafficking (synthetic), phase II")
    page.get_by_label("Objectives").fill(
        "Exchange on national developments and trends.\nReview the transnational referral mechanism.\n"
        "Agree joint actions for the next six months."
    )
    page.get_by_role("button", name="Save").click()


def test_the_secretariat_runs_a_meeting_from_plan_to_report(live_server, page, network):
    OUT.mkdir(parents=True, exist_ok=True)
    user = make_user(Role.SECRETARIAT)
    assert not user.requires_two_factor  # the roles table exempts the aggregate-only secretariat
    login(page, live_server.url, user)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Network of coordinators")).to_be_visible()

    # Plan the meeting.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    page.get_by_role("link", name="Plan a meeting").first.click()
    start = timezone.localdate() + timedelta(days=40)
    _fill_meeting(
        page,
        title=f"Regular meeting of the national coordinators, Brdo {start.year}",
        start=start,
        city="Kranj",
        host="Slovenia",
    )
    expect(page.get_by_text("Meeting planned.")).to_be_visible()
    meeting = Meeting.objects.get()

    # Agenda: one session with an outcome.
    page.get_by_text("Add a session").click()
    agenda = page.locator("form[action$='/sessions/add/']")
    agenda.get_by_label("Title").fill("Tour de table: national developments")
    agenda.get_by_label("Day").fill(start.isoformat())
    agenda.get_by_label("Starts at").fill("10:00")
    agenda.get_by_label("Ends at").fill("12:30")
    agenda.get_by_label("Chair").fill("National Coordinator of Slovenia")
    agenda.get_by_label("Outcome").fill("Six delegations presented their national developments.")
    agenda.get_by_role("button", name="Add the session").click()
    expect(page.get_by_text("Session added to the agenda.")).to_be_visible()

    # Import the participant list and register everyone on it.
    page.get_by_role("link", name="Import a participant list").click()
    csv_path = OUT / "participants.csv"
    csv_path.write_text(PARTICIPANTS_CSV, encoding="utf-8")
    page.get_by_label("Participant list (.csv or .xlsx)").set_input_files(str(csv_path))
    expect(page.get_by_label("Register everyone for")).to_have_value(str(meeting.pk))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported: 6 new, 0 updated, 6 registered.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Line 8: Same e-mail as line 4: merged into it\."))).to_be_visible()
    assert Attendance.objects.filter(meeting=meeting, status="registered").count() == 6
    participants = page.locator("#participants")
    expect(participants.get_by_role("link", name="Berisha, Drita")).to_be_visible()

    # Conclusions with action items.
    conclusions = page.locator("form[action$='/conclusions/add/']")
    page.get_by_text("Record a conclusion (with an action item)").click()
    conclusions.get_by_label("Conclusion").fill(
        "Countries will nominate contact points for the pilot transnational referrals before the next meeting."
    )
    conclusions.get_by_label("Action").fill("Nominate a contact point for pilot referrals.")
    conclusions.get_by_label("Owner (country)").select_option(label="Bulgaria")
    conclusions.get_by_label("Due date").fill((start + timedelta(days=90)).isoformat())
    conclusions.get_by_role("button", name="Record the conclusion").click()
    expect(page.get_by_text("Conclusion recorded.")).to_be_visible()
    page.get_by_text("Record a conclusion (with an action item)").click()
    conclusions.get_by_label("Conclusion").fill("The network will prepare a joint statement on child trafficking.")
    conclusions.get_by_label("Action").fill("Draft the joint statement on child trafficking.")
    conclusions.get_by_label("Owner (organisation)").select_option(label="RCMP")
    conclusions.get_by_label("Due date").fill((start + timedelta(days=60)).isoformat())
    conclusions.get_by_role("button", name="Record the conclusion").click()
    expect(page.get_by_text("Conclusion recorded.")).to_be_visible()
    assert ActionItem.objects.filter(meeting=meeting).count() == 2

    # Minutes.
    page.get_by_role("link", name="Minutes", exact=True).click()
    page.get_by_label("Minutes").fill("The host opened the meeting.\nThe secretariat presented the follow-up.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Minutes saved.")).to_be_visible()

    # Download the report and look at it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Report (PDF)").click()
    pdf = OUT / "meeting-report.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftoppm"):
        for old in OUT.glob("page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(OUT / "page")], check=True)
        pages = sorted(OUT.glob("page-*.png"))
        assert len(pages) >= 4  # cover, contents, body, annex
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        for expected in (
            f"Regular meeting of the national coordinators, Brdo {start.year}",
            "Framework project",
            "Agenda and sessions",
            "Conclusions and agreed actions",
            "Annex: list of participants",
            "Berisha, Drita",
            "Nominate a contact point",
            "Page 2 of",
            "UNSCR 1244",
        ):
            assert expected in text, expected
        assert text.count("Popescu, Andrei") == 1  # merged on import

    # The next meeting carries the open action items.
    page.get_by_role("link", name="Meetings", exact=True).click()
    page.get_by_role("link", name="Plan a meeting").click()
    _fill_meeting(
        page,
        title="Regular meeting of the national coordinators, Sofia",
        start=start + timedelta(days=182),
        city="Sofia",
        host="Bulgaria",
    )
    expect(page.get_by_text("Meeting planned.")).to_be_visible()
    follow_up = page.locator("#follow-up")
    expect(follow_up.get_by_role("link", name="Nominate a contact point for pilot referrals.")).to_be_visible()
    expect(follow_up.get_by_role("link", name="Draft the joint statement on child trafficking.")).to_be_visible()
    page.screenshot(path=str(OUT / "next-meeting.png"), full_page=True)

    # And on the per-country view of open commitments.
    page.get_by_role("link", name="Open commitments").first.click()
    expect(page.get_by_role("heading", name=re.compile("Bulgaria"))).to_be_visible()
