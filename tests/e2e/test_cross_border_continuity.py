"""Sweden refers an adult exploited in begging to Bulgaria; Bulgaria acts on what it received.

Two real nodes (the demo launcher: separate processes, own databases, keys and exchange
workers) on 127.0.0.1. Bulgaria's incoming page leads with the decision, acceptance keeps
Sweden's facts, Bulgaria refers the person to a shelter under the consent given in Sweden,
and Sweden's page, left open, shows the acceptance and Bulgaria's case reference by itself.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.test_transnational_referral import demo_login, record_consent_for_bulgaria
from tests.nodes import demo_network

pytestmark = pytest.mark.e2e

NEEDS = "Needs a safe place to stay and medical follow-up after arrival."
SHOTS = "/tmp/trm-continuity"


@pytest.fixture
def two_nodes(tmp_path):
    with demo_network(tmp_path, nodes=2) as urls:
        yield urls


def _open_adult_begging_case(se, sweden: str) -> None:
    """An adult case with a route stage of forced begging and an identification decision."""
    for query in (
        "child=no&exploitation=ForcedBegging&state=identified",
        "child=no&exploitation=ForcedBegging&state=rg_positive",
        "child=no&exploitation=ForcedBegging",
    ):
        se.goto(f"{sweden}/cases/?{query}")
        rows = se.locator("table tbody tr a")
        if rows.count():
            rows.first.click()
            return
    pytest.fail("the demo holds no adult case exploited in begging")


def _brief_comes_before_every_button(page) -> bool:
    return page.evaluate(
        """() => {
            const brief = document.querySelector('main .brief');
            const button = document.querySelector('main button');
            return !!brief && !!button
                && !!(brief.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )


def test_a_person_referred_from_sweden_continues_in_bulgaria(two_nodes, new_page):
    sweden, bulgaria = two_nodes
    se = new_page()
    demo_login(se, sweden)
    _open_adult_begging_case(se, sweden)
    case_ref = se.locator("h1").inner_text().split()[-1]
    route = se.locator("section[aria-labelledby=h-route] table")
    expect(route).to_contain_text("Forced begging")
    cells = route.locator("tbody tr td:nth-child(5)").all_inner_texts()  # "Forced begging · ISIC S96"
    forms = sorted({t.split(" · ")[0].strip() for t in cells} - {"", "—"})

    # Consent to the referral, with what Bulgaria may do under it.
    record_consent_for_bulgaria(se)

    se.get_by_role("link", name="Send a transnational referral").click()
    se.get_by_label("Country and node").select_option("bg-nrm")
    se.get_by_label("Shelter").check()
    se.get_by_label("Medical care").check()
    se.get_by_label("Needs, for the receiving services").fill(NEEDS)
    se.get_by_role("button", name="Preview what will be sent").click()
    # What the person sees (the raw JSON stays folded away behind its toggle).
    preview = se.locator("section[aria-labelledby=h-preview]")
    expect(preview).to_contain_text("Forced begging", use_inner_text=True)
    expect(preview).not_to_contain_text("forced_begging", use_inner_text=True)
    expect(preview).not_to_contain_text("{'", use_inner_text=True)
    se.get_by_role("button", name="Send the referral").click()
    expect(se.get_by_role("heading", name="Referral sent")).to_be_visible()
    sent_url = se.url

    # Bulgaria: the offer arrives; its page leads with what the decision needs.
    bg = new_page()
    demo_login(bg, bulgaria)
    row = bg.locator("tr", has_text="Shelter, Medical care")
    for _ in range(60):
        bg.goto(f"{bulgaria}/transnational/")
        if row.count():
            break
        time.sleep(2)
    row.first.get_by_role("link").first.click()
    expect(bg.get_by_role("heading", name="Referral received")).to_be_visible()
    brief = bg.locator("main .brief")
    expect(brief).to_contain_text(NEEDS)
    for form in forms:
        expect(brief).to_contain_text(form)
    expect(brief).to_contain_text("Answer needed by")
    expect(brief).to_contain_text(re.compile(r"in \d+ days"))
    expect(brief).to_contain_text("Sweden")
    expect(brief).not_to_contain_text("ForcedBegging", use_inner_text=True)
    expect(brief).not_to_contain_text("forced_begging", use_inner_text=True)
    assert _brief_comes_before_every_button(bg)
    decline = bg.get_by_label("Reason")
    expect(decline).to_have_value("")  # nothing chosen in advance
    bg.screenshot(path=f"{SHOTS}-incoming.png", full_page=True)

    bg.get_by_role("button", name="Accept the referral").click()
    accepted = bg.get_by_text(re.compile(r"Referral accepted: case BG-"))
    expect(accepted).to_be_visible()
    bg_ref = re.search(r"BG-[2-9A-Z]{4}-[2-9A-Z]{4}", accepted.inner_text()).group(0)

    # Bulgaria's case keeps Sweden's facts: the same forms of exploitation, Sweden's decision.
    bg.goto(f"{bulgaria}/cases/{bg_ref}/")
    bg_route = bg.locator("section[aria-labelledby=h-route] table")
    for form in forms:
        expect(bg_route).to_contain_text(form)
    expect(bg.locator(".foreign-decision").first).to_contain_text("Sweden")
    expect(bg.locator(".counterpart")).to_contain_text(case_ref)
    expect(bg.locator(".consent-carried")).to_contain_text("given in Sweden")
    bg.screenshot(path=f"{SHOTS}-accepted-case.png", full_page=True)

    # A Bulgarian shelter, under the consent given in Sweden: no new consent is recorded.
    bg.get_by_role("link", name="Refer to a service provider").click()
    expect(bg.get_by_role("heading", name=f"Refer case {bg_ref} to a service provider")).to_be_visible()
    expect(bg.locator("section[aria-labelledby=h-basis]")).to_contain_text("given in Sweden")
    provider = bg.get_by_label(re.compile(r"^Provider"))
    shelter = [o for o in provider.locator("option").all_inner_texts() if "Shelter" in o or "shelter" in o]
    provider.select_option(label=shelter[0] if shelter else provider.locator("option").nth(1).inner_text())
    bg.locator("#id_service").select_option("shelter")
    bg.get_by_role("radio", name=re.compile(r"^Shelter — ")).check()
    bg.get_by_role("button", name="Refer", exact=True).click()
    expect(bg.get_by_text(re.compile(r"Case referred to .+ as R-"))).to_be_visible()

    # Sweden's page, open all along, shows the acceptance and Bulgaria's case reference by itself.
    assert se.url == sent_url
    expect(se.locator("#link-status")).to_have_text("Accepted", timeout=120_000)
    expect(se.locator("#remote-case-ref")).to_have_text(bg_ref, timeout=30_000)
    expect(se.locator("ol.timeline")).to_contain_text("Referral accepted")
    se.screenshot(path=f"{SHOTS}-sweden-answered.png", full_page=True)
