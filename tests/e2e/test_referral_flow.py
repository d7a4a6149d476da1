"""A state case worker refers a presumed victim to an NGO shelter; the NGO accepts and records services."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.referrals.builders import World
from trm.referrals.models import Referral, Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUT = Path(os.environ.get("TRM_E2E_OUT", "/tmp/trm-referral-e2e"))


def test_a_state_worker_refers_to_an_ngo_shelter_which_accepts_and_reports_back(live_server, new_page):
    OUT.mkdir(parents=True, exist_ok=True)
    world = World()
    case = world.presumed_victim()
    world.consent_for(case)

    # The state case worker (the competent authority) refers the case to the shelter.
    state = new_page()
    login(state, live_server.url, world.ca)
    expect(state.get_by_role("heading", name="Dashboard")).to_be_visible()
    state.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    state.get_by_label("Case reference").first.fill(case.reference)
    state.get_by_role("button", name="Refer to a service").click()
    expect(state.get_by_role("heading", name=f"Refer case {case.reference} to a service provider")).to_be_visible()
    state.get_by_label(re.compile(r"^Provider")).select_option(value=str(world.shelter_provider.pk))
    state.locator("#id_service").select_option("shelter")
    state.get_by_role("radio", name=re.compile(r"^Shelter — ")).check()
    needs = state.get_by_role("textbox", name=re.compile(r"^Needs and special needs"))
    needs.fill("Needs a quiet room; speaks Romanian.")
    state.screenshot(path=str(OUT / "1-refer.png"), full_page=True)
    state.get_by_role("button", name="Refer", exact=True).click()
    expect(state.get_by_text(re.compile(r"Case referred to Safe House NGO as R-"))).to_be_visible()
    referral = Referral.objects.get()
    expect(state.locator("#referral-status")).to_have_text(re.compile("Offered"))

    # The NGO worker, in a separate browser context, sees only the shared fields, accepts and records services.
    ngo = new_page()
    login(ngo, live_server.url, world.shelter)
    panel = ngo.get_by_role("region", name="Referrals")
    expect(panel.get_by_role("link", name=referral.reference)).to_be_visible()
    panel.get_by_role("link", name=referral.reference).click()
    shared = ngo.locator("#shared-fields")
    expect(shared).to_contain_text("Ana")
    expect(shared).to_contain_text("Needs a quiet room")
    expect(shared).to_contain_text("High")
    body = ngo.locator("main").inner_text()
    assert "Testova" not in body and "Bus station" not in body and case.reference not in body
    ngo.get_by_role("button", name="Accept").click()
    expect(ngo.get_by_text("Referral accepted.")).to_be_visible()
    ngo.get_by_label("What was done").fill("Room in the safe house, meals and a first counselling session.")
    ngo.get_by_role("button", name="Record", exact=True).click()
    expect(ngo.get_by_text("Service recorded.")).to_be_visible()
    expect(ngo.locator("#referral-status")).to_have_text(re.compile("In progress"))
    ngo.screenshot(path=str(OUT / "2-provider.png"), full_page=True)
    # A field that was not shared is refused, with a clear message.
    ngo.goto(f"{live_server.url}/referrals/{referral.reference}/fields/family_name/")
    expect(ngo.get_by_text(re.compile("was not shared with your organisation"))).to_be_visible()

    # The state worker sees the feedback.
    state.reload()
    expect(state.locator("#referral-status")).to_have_text(re.compile("In progress"))
    expect(state.locator("#deliveries")).to_contain_text("Room in the safe house")
    state.screenshot(path=str(OUT / "3-feedback.png"), full_page=True)
    referral.refresh_from_db()
    assert referral.status == Status.IN_PROGRESS
