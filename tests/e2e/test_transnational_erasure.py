"""Consent withdrawal across two real nodes: Sweden withdraws, Bulgaria erases what it received.

Both nodes run as separate processes (the demo launcher: own SQLite database, keys, trust
list and exchange worker each) on free 127.0.0.1 ports; every wait is bounded.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_transnational_referral import demo_login
from tests.nodes import demo_network

pytestmark = pytest.mark.e2e

ERASED = "Consent withdrawn: shared data erased"


@pytest.fixture
def two_nodes(tmp_path):
    with demo_network(tmp_path, nodes=2) as urls:
        yield urls


def wait_for(page: Page, url: str, check, *, tries: int = 60) -> None:
    """Reload ``url`` until ``check(page)`` holds (the workers deliver within seconds)."""
    for _ in range(tries):
        page.goto(url)
        if check(page):
            return
        time.sleep(2)


def person_name(page: Page) -> str:
    return page.locator("section[aria-labelledby=h-person] dd").first.inner_text().strip()


def test_withdrawing_consent_in_sweden_erases_the_shared_data_in_bulgaria(two_nodes, new_page):
    sweden, bulgaria = two_nodes
    se = new_page()
    demo_login(se, sweden)
    se.goto(f"{sweden}/cases/?child=no")
    se.locator("table tbody tr a").nth(1).click()
    case_url = se.url
    name = person_name(se)
    assert name and name != "—"
    se.get_by_role("link", name="Record consent").click()
    se.get_by_label("Purpose").select_option("transnational_referral")
    se.locator("form[action$='/consent/'] button[type=submit]").click()
    expect(se.get_by_text("Consent recorded.")).to_be_visible()
    se.get_by_role("link", name="Send a transnational referral").click()
    se.get_by_label("Country and node").select_option("bg-nrm")
    se.get_by_label("Psychological support").check()
    se.get_by_label("Interpretation").check()
    se.get_by_label("Share the person's identity (name, date of birth)").check()
    se.get_by_role("button", name="Send the referral").click()
    expect(se.get_by_role("heading", name="Referral sent")).to_be_visible()
    sent_url = se.url

    bg = new_page()
    demo_login(bg, bulgaria)
    row = bg.locator("tr", has_text="Psychological support, Interpretation")
    wait_for(bg, f"{bulgaria}/transnational/", lambda p: row.count() > 0)
    row.get_by_role("link").first.click()
    conversation_url = bg.url
    bg.get_by_role("button", name="Accept the referral").click()
    expect(bg.get_by_text("Referral accepted: case BG-")).to_be_visible()
    bg.locator("dd a[href*='/cases/']").first.click()
    bulgarian_case_url = bg.url
    expect(bg.locator("section[aria-labelledby=h-person]")).to_contain_text(name)

    # The person withdraws the consent in Sweden: Sweden asks Bulgaria to erase.
    wait_for(se, sent_url, lambda p: p.locator("#link-status").inner_text() == "Accepted")
    se.goto(case_url)
    se.locator("section[aria-labelledby=h-consent] li", has_text="Transnational referral").filter(
        has=se.get_by_role("button", name="Record withdrawal")
    ).first.get_by_role("button", name="Record withdrawal").click()
    se.goto(sent_url)
    expect(se.locator("#link-status")).to_have_text("Consent withdrawn: erasure requested")
    expect(se.locator("ol.timeline")).to_contain_text("Consent withdrawn: erase")
    se.screenshot(path="/tmp/trm-transnational-withdrawn.png", full_page=True)

    wait_for(bg, conversation_url, lambda p: p.locator("#link-status").inner_text() == ERASED)
    expect(bg.locator("#link-status")).to_have_text(ERASED)
    expect(bg.locator("ol.timeline")).not_to_contain_text(name.split()[0])
    bg.screenshot(path="/tmp/trm-transnational-erased.png", full_page=True)
    bg.goto(bulgarian_case_url)
    expect(bg.locator("section[aria-labelledby=h-person]")).not_to_contain_text(name)
    assert person_name(bg) == "—"
