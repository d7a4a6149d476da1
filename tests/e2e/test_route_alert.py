"""A child goes missing in Sweden: one alert reaches Bulgaria and Romania, each acknowledges, Sweden sees it.

Three real nodes (the demo launcher: separate processes, own databases, keys and exchange
workers) on 127.0.0.1, driven through their pages only.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_transnational_referral import demo_login
from tests.nodes import demo_network

pytestmark = pytest.mark.e2e


@pytest.fixture
def three_nodes(tmp_path):
    with demo_network(tmp_path, nodes=3, start_within=600) as urls:
        yield urls


def _open_a_child_case(page, url: str) -> None:
    page.goto(f"{url}/cases/?child=yes&status=Active")
    rows = page.locator("table tbody tr a")
    if not rows.count():
        page.goto(f"{url}/cases/?child=yes")
        rows = page.locator("table tbody tr a")
    assert rows.count(), "the demo holds no child's case"
    rows.first.click()


def _acknowledge(page, url: str) -> None:
    demo_login(page, url)
    page.goto(f"{url}/transnational/alerts/")
    received = page.locator("section[aria-labelledby=h-received] table tbody tr a")
    for _ in range(90):  # the alert arrives through the exchange workers: reload until it is there
        if received.count():
            break
        page.wait_for_timeout(1000)
        page.goto(f"{url}/transnational/alerts/")
    received.first.click()
    expect(page.locator("#h-alert")).to_be_visible()
    page.get_by_label("What is done here").select_option("alert_circulated")
    page.get_by_role("button", name="Acknowledge the alert").click()
    expect(page.locator("#alert-acknowledged")).to_contain_text("Acknowledged by focal")


def test_an_alert_reaches_two_countries_and_each_acknowledges(three_nodes, new_page):
    sweden, bulgaria, romania = three_nodes
    se = new_page()
    demo_login(se, sweden)
    _open_a_child_case(se, sweden)
    se.get_by_role("link", name="Alert the countries on the route").click()
    se.get_by_label("What the alert is about").select_option("missing_child")
    se.get_by_label("Bulgaria").check()
    se.get_by_label("Romania").check()
    se.get_by_label("Circumstances and description").fill("Left the reception centre at night; dark jacket.")
    se.get_by_label("Contact point (whom the other countries call)").fill("Duty officer, coordinator's office")
    se.get_by_role("button", name="Send the alert").click()
    if se.get_by_text("alerted only if you record why this is safe").count():
        se.get_by_label("Why alerting the country of origin is safe").fill("Synthetic: the family reported her.")
        se.get_by_role("button", name="Send the alert").click()
    expect(se).to_have_url(re.compile(r"/transnational/alerts/[0-9a-f-]{36}/$"))
    progress = se.locator("#alert-progress")
    expect(progress.locator("tbody tr")).to_have_count(2)
    alert_page = se.url

    for url in (bulgaria, romania):
        _acknowledge(new_page(), url)

    for country in ("BG", "RO"):
        cell = se.locator(f'#alert-progress tr[data-country="{country}"] td.progress')
        for _ in range(60):
            se.goto(alert_page)
            if cell.inner_text() == "Acknowledged":
                break
            se.wait_for_timeout(1000)
        expect(cell).to_have_text("Acknowledged")
