"""An unaccompanied 15-year-old met on the route: detection, weak begging signs, referral
required, and her going missing with the urgent tasks on the dashboard."""

from __future__ import annotations

import datetime as dt
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_org, make_user
from trm.accounts.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_unaccompanied_girl_met_on_the_route_is_referred_and_reported_missing(live_server, page):
    ngo = make_org(name="Border Outreach NGO")
    responder = make_user(Role.FIRST_RESPONDER, org=ngo)
    today = dt.date.today()
    login(page, live_server.url, responder)

    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Given name").fill("Mira")
    page.get_by_label("Family name").fill("Synthetica")
    page.get_by_label("Date of birth").fill(today.replace(year=today.year - 15).isoformat())
    page.get_by_label("Sex / gender").select_option("Feminine")
    page.locator("#id_citizenship").select_option("AF")
    page.get_by_label("Migration status").select_option("irregular")
    page.get_by_label("Detected on").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Record detection").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Child")

    # Where on the route, and that she travels alone.
    page.get_by_text("Record where the person was met on the route").click()
    page.locator("#encounter_country").select_option("RS")
    page.locator("#encounter_place_type").select_option("transit_centre")
    page.locator("#encounter_place").fill("Transit centre South")
    page.locator("form[action$='/encounter/']").get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator(".route-encounter")).to_contain_text("Transit centre")
    page.get_by_text("Record whether the child is accompanied").click()
    page.locator("#child_status_status_0").check()
    page.locator("form[action$='/child_status/']").get_by_role("button", name="Save").click()
    expect(page.locator("#child-status")).to_contain_text("Unaccompanied")

    # Weak begging signs: for a child, referral is required.
    page.get_by_role("link", name="Screen with indicators").click()
    page.get_by_label("Indicator set").select_option("unodc-begging-petty-crime")
    page.get_by_role("button", name="Change set").click()
    page.locator('input[value="bp.begging_in_public"]').check()
    page.get_by_role("button", name="Record screening").click()
    expect(page.get_by_role("status")).to_contain_text("Refer for assessment")
    expect(page.locator(".child-referral")).to_contain_text("A child with any indicator is referred")
    expect(page.get_by_text("The adult does not consent")).to_have_count(0)
    expect(page.get_by_text("Record that no referral is needed")).to_have_count(0)

    # She goes missing: the urgent workflow starts.
    page.get_by_text("Record that the person has gone missing").click()
    page.locator("#missing_last_seen_place").fill("Transit centre South, gate")
    page.get_by_role("button", name="Record as missing").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded as missing")
    expect(page.locator(".missing-open")).to_contain_text("not yet reported")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Report the missing person to the police")).to_be_visible()
    page.screenshot(path="/tmp/trm-child-missing-dashboard.png", full_page=True)
