"""A first responder detects, screens and refers; the competent authority finds reasonable grounds."""

from __future__ import annotations

import datetime as dt
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from tests.cases.builders import PRESUMED_HITS
from tests.e2e.conftest import login
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
from trm.vocab.htcds import OrganisationType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def record_detection(page, base_url: str, *, given: str, family: str, born: dt.date) -> str:
    page.goto(f"{base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Record a detection").click()
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Sex / gender").select_option("Feminine")
    page.locator("#id_citizenship").select_option("MD")
    page.get_by_role("group", name="Languages spoken").get_by_role("checkbox", name="Romanian").check()
    page.get_by_label("Detected on").fill((dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Place of detection").fill("Bus station")
    page.get_by_role("button", name="Record detection").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case ")
    return page.get_by_role("heading", level=1).inner_text().split()[1]


def test_detection_screening_referral_and_reasonable_grounds(live_server, page, new_page):
    ngo = make_org(name="Street Outreach NGO")
    authority = make_org(name="Identification Commission", type=OrganisationType.CENTRAL_GOVERNMENT)
    responder = make_user(Role.FIRST_RESPONDER, org=ngo)
    officer = make_user(Role.COMPETENT_AUTHORITY, org=authority)

    login(page, live_server.url, responder)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    reference = record_detection(page, live_server.url, given="Elena", family="Synthetica", born=dt.date(1996, 3, 4))
    expect(page.locator("#case-state")).to_have_text("Detected")

    page.get_by_role("link", name="Screen with indicators").click()
    expect(page.get_by_text("Deceptive recruitment")).to_be_visible()
    for hit in PRESUMED_HITS:
        page.locator(f'input[value="{hit}"]').check()
    page.get_by_label("Interview held with an interpreter").check()
    page.screenshot(path="/tmp/trm-case-screening.png", full_page=True)
    page.get_by_role("button", name="Record screening").click()
    expect(page.get_by_role("status")).to_contain_text("Advice: Presumed victim")
    expect(page.locator("#case-state")).to_have_text("Screened")

    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Purpose").select_option("identification")
    # The list of recipients is a list of checkboxes with a filter box (the select stays for no-JS).
    page.locator("#slot-consent .choice-filter").first.fill("Identification")
    page.get_by_role("checkbox", name="Identification Commission").check()
    page.get_by_label("Language in which the person was informed").select_option("ro")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("status")).to_contain_text("Consent recorded")

    page.get_by_role("link", name="Refer to the competent authority").click()
    page.locator("#refer_to").select_option(label="Identification Commission")
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("now with the competent authority")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)

    officer_page = new_page()
    login(officer_page, live_server.url, officer)
    expect(officer_page.get_by_role("heading", name="Deadlines and tasks")).to_be_visible()
    expect(officer_page.get_by_text("Reasonable-grounds decision due")).to_be_visible()
    officer_page.get_by_role("link", name=reference).first.click()
    officer_page.get_by_role("link", name="Record a decision").click()
    officer_page.locator("#decide_event").select_option("rg_positive")
    officer_page.get_by_label("Reasons").fill("Deception, excessive hours and withheld documents.")
    officer_page.get_by_role("button", name="Record decision").click()
    expect(officer_page.locator("#case-state")).to_have_text("Presumed victim (reasonable grounds)")
    expect(officer_page.locator(".case-next-deadline")).to_contain_text("Recovery and reflection period ends")
    officer_page.screenshot(path="/tmp/trm-case-detail.png", full_page=True)

    officer_page.goto(f"{live_server.url}/")
    panel = officer_page.locator("section.panel", has=officer_page.get_by_role("heading", name="Deadlines and tasks"))
    row = panel.locator("tr.deadline-reflection_end")
    expect(row).to_contain_text(reference)
    due = (dt.date.today() + dt.timedelta(days=30)).strftime("%Y-%m-%d")
    expect(row.locator("time")).to_have_attribute("datetime", due)
    officer_page.screenshot(path="/tmp/trm-case-dashboard.png", full_page=True)


def test_a_child_case_shows_the_guardian_deadline(live_server, page):
    responder = make_user(Role.FIRST_RESPONDER, org=make_org(name="Child Outreach NGO"))
    login(page, live_server.url, responder)
    born = dt.date.today() - dt.timedelta(days=365 * 14)
    reference = record_detection(page, live_server.url, given="Mila", family="Synthetic", born=born)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Child")
    expect(page.get_by_text("Appoint the child's guardian / representative")).to_be_visible()
    page.screenshot(path="/tmp/trm-case-child.png", full_page=True)
    page.goto(f"{live_server.url}/")
    row = page.locator("tr.deadline-child_representative")
    expect(row).to_contain_text(reference)
