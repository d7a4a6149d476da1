"""The focal point records a compensation claim, its award and a partial payment, and sees the unpaid gap."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.cases.builders import World, detect
from tests.e2e.conftest import login
from trm.justice.models import Claim

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUT = Path(os.environ.get("TRM_E2E_OUT", "/tmp/trm-compensation-e2e"))


def _day(days_ago: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()


def test_an_award_and_a_partial_payment_show_the_unpaid_gap(live_server, page):
    OUT.mkdir(parents=True, exist_ok=True)
    world = World()
    case = detect(world.focal)

    login(page, live_server.url, world.focal)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    section = page.get_by_role("region", name="Compensation")
    section.get_by_role("link", name="Record a compensation claim").click()

    page.get_by_label("Kind of claim").select_option("offender")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Amount claimed").fill("12000")
    page.get_by_label("To be filed by (limitation)").fill(_day(-60))
    page.get_by_label("Proceeding reference").fill("K 117/2026")
    page.get_by_role("button", name="Record the claim").click()
    expect(page.get_by_text(re.compile(r"Claim CC-SE-[0-9A-F]{8} recorded\."))).to_be_visible()
    expect(page.locator("#claim-status")).to_have_text("Draft")

    step = page.locator("#step-file")
    step.get_by_label("Filed on").fill(_day(40))
    step.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Claim filed.")).to_be_visible()

    step = page.locator("#step-decide")
    step.get_by_role("radio", name="Awarded").check()
    step.get_by_label("Decided on").fill(_day(10))
    step.get_by_label("Amount awarded").fill("9000.00")
    step.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(page.locator("#claim-awarded")).to_have_text("9000.00 EUR")

    # A payment above the award is refused, clearly, and nothing changes.
    step = page.locator("#step-pay")
    step.get_by_label("Amount paid").fill("9500")
    step.get_by_label("Paid on").fill(_day(5))
    step.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("more than what is left of the award"))).to_be_visible()
    expect(page.locator("#claim-paid")).to_have_text("0.00 EUR")

    step = page.locator("#step-pay")
    step.get_by_label("Amount paid").fill("3500.50")
    step.get_by_label("Paid on").fill(_day(5))
    step.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Payment recorded.")).to_be_visible()
    expect(page.locator("#claim-status")).to_have_text("Paid in part")
    expect(page.locator("#claim-paid")).to_have_text("3500.50 EUR")
    expect(page.locator("#claim-unpaid")).to_have_text("5499.50 EUR")
    page.screenshot(path=str(OUT / "1-claim.png"), full_page=True)

    # The node's view: the gap per currency.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compensation").click()
    row = page.locator('tr[data-currency="EUR"]')
    expect(row.locator(".gap")).to_have_text("5499.50")
    page.screenshot(path=str(OUT / "2-overview.png"), full_page=True)
    claim = Claim.objects.get()
    assert claim.status == "paid_in_part" and str(claim.unpaid) == "5499.50"
