"""A referral travels between two real nodes: sent from Sweden's screen, accepted in Bulgaria.

Both nodes are separate processes (the demo launcher: own SQLite database, keys, trust
list and exchange worker each) on free 127.0.0.1 ports; everything stops by itself.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.nodes import demo_network

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_nodes(tmp_path):
    with demo_network(tmp_path, nodes=2) as urls:
        yield urls


def demo_login(page, url: str, username: str = "focal") -> None:
    """Log in with the code the demo's login page shows.

    A TOTP code is accepted once: a second login with the same code in its 30-second
    window is refused, so on refusal wait for the next code and try once more.
    """
    for attempt in range(2):
        page.goto(f"{url}/accounts/login/")
        password = page.locator("#demo-password").inner_text()
        code = page.locator(f'code.otp[data-username="{username}"]').inner_text()
        if attempt:
            for _ in range(35):
                page.goto(f"{url}/accounts/login/")
                if page.locator(f'code.otp[data-username="{username}"]').inner_text() != code:
                    break
                time.sleep(1)
            code = page.locator(f'code.otp[data-username="{username}"]').inner_text()
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_label("Authenticator code").fill(code)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        if page.get_by_role("heading", name="Dashboard", exact=True).count():
            return
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def record_consent_for_bulgaria(page) -> None:
    """On an open case page: the person's consent to a transnational referral, and what
    Bulgaria may do under it (assistance there, by any kind of organisation)."""
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Purpose").select_option("transnational_referral")
    page.get_by_role("checkbox", name="Assistance and support services").check()
    page.get_by_role("checkbox", name="Bulgaria").check()  # the countries' list, as checkboxes
    page.locator("form[action$='/consent/'] button[type=submit]").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()


def test_a_referral_goes_from_the_destination_to_the_origin_country_and_is_accepted(two_nodes, new_page):
    sweden, bulgaria = two_nodes
    se = new_page()
    demo_login(se, sweden)
    # The focal point opens an adult case and records the person's consent to a transnational referral.
    se.goto(f"{sweden}/cases/?child=no")
    se.locator("table tbody tr a").first.click()
    case_ref = se.locator("h1").inner_text().split()[-1]
    record_consent_for_bulgaria(se)
    se.get_by_role("link", name="Send a transnational referral").click()
    se.get_by_label("Country and node").select_option("bg-nrm")
    se.get_by_label("Legal aid").check()
    se.get_by_label("Medical care").check()
    se.get_by_role("button", name="Preview what will be sent").click()
    expect(se.get_by_role("heading", name="Exactly what will leave this node")).to_be_visible()
    se.get_by_role("button", name="Send the referral").click()
    expect(se.get_by_role("heading", name="Referral sent")).to_be_visible()
    sent_url = se.url
    se.screenshot(path="/tmp/trm-transnational-sent.png", full_page=True)

    bg = new_page()
    demo_login(bg, bulgaria)
    # The worker delivers within seconds; the inbox shows the offer once it arrived.
    row = bg.locator("tr", has_text="Medical care, Legal aid")
    demo = bg.locator("tr", has_text="Shelter, Reintegration support")  # queued by the demo when it started
    for _ in range(60):
        bg.goto(f"{bulgaria}/transnational/")
        if row.count() and demo.count():
            break
        time.sleep(2)
    expect(demo).to_have_count(1)
    bg.screenshot(path="/tmp/trm-transnational-inbox.png", full_page=True)
    row.get_by_role("link").first.click()
    expect(bg.get_by_role("heading", name="Referral received")).to_be_visible()
    expect(bg.locator("#link-status")).to_have_text("Referral offered")
    bg.get_by_role("button", name="Accept the referral").click()
    accepted = bg.get_by_text(re.compile(r"Referral accepted: case BG-"))
    expect(accepted).to_be_visible()
    bg.screenshot(path="/tmp/trm-transnational-accepted.png", full_page=True)
    # The Bulgarian case keeps what Sweden shared: where it came from and the consent given there.
    bg_ref = re.search(r"BG-[2-9A-Z]{4}-[2-9A-Z]{4}", accepted.inner_text()).group(0)
    bg.goto(f"{bulgaria}/cases/{bg_ref}/")
    expect(bg.locator(".counterpart")).to_contain_text(case_ref)
    expect(bg.locator(".consent-carried")).to_contain_text("given in Sweden")
    expect(bg.locator(".consent-carried")).to_contain_text("Assistance and support services · in Bulgaria")

    # Back in Sweden, the page still open since sending follows by itself (htmx): the
    # messages it sent show delivered, then the acceptance arrives, without a reload.
    assert se.url == sent_url
    expect(se.locator("ol.timeline")).not_to_contain_text("pending", timeout=60_000)
    expect(se.locator("#link-status")).to_have_text("Accepted", timeout=120_000)
    expect(se.locator("ol.timeline")).to_contain_text("Referral accepted")
    se.screenshot(path="/tmp/trm-transnational-answered.png", full_page=True)
    # The acceptance named Bulgaria's case; Sweden's focal point was told of it.
    se.reload()
    expect(se.locator("dl.facts").first).to_contain_text(re.compile(r"Case at the other node\s*BG-"))
    se.goto(f"{sweden}/transnational/notifications/")
    expect(se.get_by_role("link", name=re.compile("Bulgaria accepted the referral"))).to_be_visible()
    assert case_ref.startswith("SE-")
