"""The case page that guides, and a provider's support plan, in the browser (with axe-core checks)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from tests.cases.builders import detect, referred
from tests.e2e.axe import assert_no_violations
from tests.e2e.conftest import login
from tests.factories import make_org, make_user
from tests.referrals.builders import World
from trm.accounts.roles import Role
from trm.cases import casework, consent, identification
from trm.referrals import routing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The documentation's screenshots are rewritten only when asked for (TRM_DOCS_SCREENSHOTS=1), so that a
# test run leaves the checkout as it found it; otherwise they go to a scratch folder.
DOCS_IMG = (
    Path(__file__).resolve().parents[2] / "docs" / "img"
    if os.environ.get("TRM_DOCS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "trm-screenshots"
)


def test_the_case_page_guides_and_opens_forms_on_demand(live_server, page):
    ngo = make_org(name="Street Outreach NGO")
    authority = make_org(name="Identification Commission", type="CentralGovernmentOrganisation")
    responder = make_user(Role.FIRST_RESPONDER, org=ngo)
    officer = make_user(Role.COMPETENT_AUTHORITY, org=authority)
    case = detect(responder, given_name="Elena", family_name="Synthetica", date_of_birth=dt.date(1996, 3, 4))
    case = referred(case, responder, authority)
    identification.decide(case, event=identification.RG_POSITIVE, by=officer, reasons="Deception and control")
    casework.add_event(case, by=officer, type="Exploitation", country="SE", exploitation_type="ForcedBegging")
    consent.give(case, purpose="assistance", language="ro", by=officer, recipients=[])

    login(page, live_server.url, officer)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    # The summary: who, the state, the next deadline and what is expected next.
    expect(page.locator("#case-state")).to_have_text("Presumed victim (reasonable grounds)")
    expect(page.locator(".case-next-deadline")).to_contain_text("Recovery and reflection period ends")
    expect(page.locator(".case-next")).to_contain_text("conclusive decision")
    # The stepper: detected and screened done, reasonable grounds positive, conclusive decision next.
    stages = page.locator(".stepper .stage")
    expect(stages).to_have_count(6)
    expect(page.locator('.stepper [aria-current="step"]')).to_contain_text("Conclusive decision")
    expect(stages.nth(2)).to_contain_text("positive")
    # No form is on the page until it is asked for.
    expect(page.locator("form textarea")).to_have_count(0)
    assert_no_violations(page, "case page")
    DOCS_IMG.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS_IMG / "case-page.png"), full_page=False)

    # A note, opened on demand through htmx: the page stays, the form appears in its section.
    url = page.url
    page.get_by_role("navigation", name="Sections of the case").get_by_role("link", name="Notes").click()
    page.locator("#notes").get_by_role("link", name="Add a note").click()
    expect(page.locator("#slot-note form")).to_be_visible()
    assert page.url.split("#")[0] == url.split("#")[0]
    expect(page.get_by_role("textbox", name="Note")).to_be_focused()
    page.get_by_role("textbox", name="Note").fill("Called the shelter; a place is free from Monday.")
    page.locator("#slot-note").get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.locator("#notes")).to_contain_text("a place is free from Monday")

    # A stage of the route: the country list starts with the node's country, nothing chosen for you;
    # the long list of methods of control can be filtered.
    page.locator("#route").get_by_role("link", name="Add a stage").click()
    country = page.locator("#event_country")
    expect(country).to_have_value("")
    assert country.locator("option").nth(1).get_attribute("value") == "SE"
    filter_box = page.locator("#slot-event .choice-filter")
    filter_box.fill("debt")
    expect(page.get_by_role("checkbox", name="Debt bondage")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Physical threats")).to_be_hidden()
    assert_no_violations(page, "case page with a form open")
    filter_box.evaluate("box => box.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(DOCS_IMG / "case-page-form.png"), full_page=False)

    # The decision form, from the summary.
    page.locator(".case-actions").get_by_role("link", name="Record a decision").click()
    expect(page.locator("#slot-decide select[name=event]")).to_be_visible()


def test_the_same_form_works_without_javascript(live_server, browser):
    ngo = make_org(name="Street Outreach NGO")
    responder = make_user(Role.FIRST_RESPONDER, org=ngo)
    case = detect(responder)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        login(page, live_server.url, responder)
        page.goto(f"{live_server.url}/cases/{case.reference}/")
        page.locator("#notes").get_by_role("link", name="Add a note").click()
        expect(page).to_have_url(f"{live_server.url}/cases/{case.reference}/note/")
        page.get_by_role("textbox", name="Note").fill("Written without JavaScript.")
        page.get_by_role("button", name="Save note").click()
        expect(page.locator("#notes")).to_contain_text("Written without JavaScript.")
    finally:
        context.close()


def test_a_provider_updates_a_support_plan_and_the_case_manager_sees_it(live_server, page, new_page):
    world = World()
    referral = world.refer()
    routing.accept(referral, by=world.shelter)

    login(page, live_server.url, world.shelter)
    page.goto(f"{live_server.url}/referrals/{referral.reference}/")
    expect(page.get_by_role("heading", name=f"Referral {referral.reference}")).to_be_visible()
    assert_no_violations(page, "incoming referral")
    page.locator("summary", has_text="Start a support plan").click()
    page.get_by_label("Type").select_option("SocialCare")
    review = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    page.get_by_label("Review on").fill(review)
    page.get_by_label("Goals").fill("Safe housing and a job interview.")
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Support plan started")
    page.locator("#plans").get_by_role("link", name="Social care").click()
    expect(page.locator("#plan-status")).to_have_text("Planned")

    page.get_by_role("link", name="Record progress").click()
    expect(page.locator("#slot-plan form")).to_be_visible()
    page.get_by_role("checkbox", name="Shelter / safe accommodation").check()
    page.get_by_role("textbox", name="Progress").fill("Moved in; first counselling session held.")
    page.get_by_role("button", name="Save progress").click()
    expect(page.locator("#plan-status")).to_have_text("Active")
    expect(page.get_by_text("first counselling session held")).to_be_visible()
    assert_no_violations(page, "support plan")
    page.screenshot(path=str(DOCS_IMG / "support-plan.png"), full_page=False)

    manager = new_page()
    login(manager, live_server.url, world.ca)
    manager.goto(f"{live_server.url}/cases/{referral.case.reference}/#support")
    expect(manager.locator("#support")).to_contain_text("first counselling session held")
    expect(manager.locator("#support")).to_contain_text("Safe housing and a job interview.")
