"""An unaccompanied 15-year-old met in a transit country goes missing; every other country on her route is alerted.

Three real nodes (``tests.localnet``: separate server and exchange-worker processes, own
databases and keys, one trust list) on 127.0.0.1: Romania, where she is met, is a transit
country on her recorded route (Afghanistan, Bulgaria, Romania, Sweden). Everything is done
through the pages: an outreach worker in Romania records her, her travelling alone, the
route, a screening with one weak begging sign (referral required) and her going missing;
Romania's focal point alerts the route; the focal points of Bulgaria and Sweden each see the
alert and acknowledge it; Romania's alert page shows both acknowledgements.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.localnet import LocalNet

pytestmark = pytest.mark.e2e

RO, BG, SE = "ro-nrm", "bg-nrm", "se-nrm"
PASSWORD = "correct-horse-battery-staple-42"  # tests.factories.PASSWORD, set in each node's own database
DESCRIPTION = "Left the station at night with two unknown adults; grey hooded jacket."
SHOTS = "/tmp/trm-child-route"

# Run in a node's Django: its accounts, each with a confirmed TOTP device whose key the test knows.
ACCOUNTS = """
import json, secrets
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.factories import make_org, make_user
from trm.accounts.roles import Role
keys = {{}}
for username, role, org, kind in {accounts!r}:
    user = make_user(getattr(Role, role), org=make_org(name=org, type=kind, country={country!r}),
                     username=username, with_device=False)
    keys[username] = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True, key=keys[username])
print(json.dumps(keys))
"""
COORDINATOR = ("focal", "FOCAL_POINT", "National coordinator's office", "CentralGovernmentOrganisation")
PEOPLE = {
    RO: [("outreach", "FIRST_RESPONDER", "Street outreach Bucharest", "NGO"), COORDINATOR],
    BG: [COORDINATOR],
    SE: [COORDINATOR],
}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalNet, dict[str, dict[str, str]]]]:
    network = LocalNet(tmp_path_factory.mktemp("child-route"), {RO: "RO", BG: "BG", SE: "SE"})
    try:
        network.prepare()
        making = {
            node: network.spawn_python(node, ACCOUNTS.format(accounts=people, country=network.nodes[node]))
            for node, people in PEOPLE.items()
        }
        network.start_all(workers=1)
        keys = {}
        for node, proc in making.items():
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err.decode()[-2000:]
            keys[node] = json.loads(out.decode().strip().splitlines()[-1])
        yield network, keys
    finally:
        network.close()


def login(page: Page, url: str, username: str, key: str) -> None:
    """Log in through the real form with the account's current TOTP code."""
    from django_otp.oath import totp

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authenticator code").fill(f"{totp(bytes.fromhex(key)):06d}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def add_stage(page: Page, stage: str, country: str, place: str) -> None:
    page.get_by_text("Add a stage").click()
    page.locator("#event_type").select_option(stage)
    page.locator("#event_country").select_option(country)
    page.locator("#event_place").fill(place)
    page.locator("form[action$='/event/']").get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text("Added")


def acknowledge(page: Page, url: str, username: str, key: str) -> None:
    """A focal point at a receiving node finds the alert, sees what it says and acknowledges it."""
    login(page, url, username, key)
    received = page.locator("section[aria-labelledby=h-received] table tbody tr a")
    deadline = time.monotonic() + 60
    while True:  # the alert arrives through the exchange workers: reload until it is there
        page.goto(f"{url}/transnational/alerts/")
        if received.count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    expect(received).to_have_count(1)
    received.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert along the route received")
    expect(page.locator("main")).to_contain_text("Missing child")
    expect(page.locator("main")).to_contain_text(DESCRIPTION)
    # The alert says nothing of the route: the sender's role is not guessed (it is a transit country here).
    expect(page.locator("#peer-role")).to_have_text("—")
    expect(page.locator("section[aria-labelledby=h-role] select")).to_have_value("")
    page.get_by_label("What is done here").select_option("alert_circulated")
    page.get_by_role("button", name="Acknowledge the alert").click()
    expect(page.locator("#alert-acknowledged")).to_contain_text(f"Acknowledged by {username}")
    page.screenshot(path=f"{SHOTS}-received-{url.rsplit(':', 1)[-1]}.png", full_page=True)


def test_an_unaccompanied_girl_missing_in_a_transit_country_is_alerted_along_her_route(net, new_page):
    network, keys = net
    romania, bulgaria, sweden = (network.url(node) for node in (RO, BG, SE))
    today = dt.date.today()

    # Romania, a railway station: an outreach worker meets a 15-year-old Afghan girl begging, alone.
    ro = new_page()
    login(ro, romania, "outreach", keys[RO]["outreach"])
    ro.goto(f"{romania}/cases/new/")
    ro.get_by_label("Given name").fill("Mira")
    ro.get_by_label("Family name").fill("Synthetica")
    ro.get_by_label("Date of birth").fill(today.replace(year=today.year - 15).isoformat())
    ro.get_by_label("Sex / gender").select_option("Feminine")
    ro.locator("#id_citizenship").select_option("AF")
    ro.get_by_label("Migration status").select_option("irregular")
    ro.get_by_label("Detected on").fill(today.isoformat())
    ro.get_by_role("button", name="Record detection").click()
    expect(ro.get_by_role("heading", level=1)).to_contain_text("Child")
    case_url = ro.url
    expect(ro.locator(".case-person")).to_contain_text("15 years")

    # Where she was met, that she travels alone, and her route: Romania is a transit country for her.
    ro.get_by_text("Record where the person was met on the route").click()
    ro.locator("#encounter_country").select_option("RO")
    ro.locator("#encounter_place_type").select_option("transport_hub")
    ro.locator("#encounter_place").fill("Bucharest North station")
    ro.locator("form[action$='/encounter/']").get_by_role("button", name="Save").click()
    expect(ro.get_by_role("status")).to_contain_text("Saved")
    expect(ro.locator(".route-encounter")).to_contain_text("Station, port or airport")
    ro.get_by_text("Record whether the child is accompanied").click()
    ro.locator("#child_status_status_0").check()
    ro.locator("form[action$='/child_status/']").get_by_role("button", name="Save").click()
    expect(ro.locator("#child-status")).to_contain_text("Unaccompanied")
    add_stage(ro, "Recruitment", "AF", "Herat")
    add_stage(ro, "Transit", "BG", "Sofia")
    add_stage(ro, "Transit", "RO", "Bucharest North station")
    add_stage(ro, "Exploitation", "SE", "Stockholm, where she says she is going")
    route = ro.locator("section[aria-labelledby=h-route] table tbody tr")
    expect(route).to_have_count(4)
    expect(route.nth(2)).to_contain_text("Transit")
    expect(route.nth(2)).to_contain_text("Romania")

    # One weak begging sign: a child is referred for assessment, never "no referral needed".
    ro.get_by_role("link", name="Screen with indicators").click()
    ro.get_by_label("Indicator set").select_option("unodc-begging-petty-crime")
    ro.get_by_role("button", name="Change set").click()
    ro.locator('input[value="bp.begging_in_public"]').check()
    ro.get_by_role("button", name="Record screening").click()
    expect(ro.get_by_role("status")).to_contain_text("Refer for assessment")
    expect(ro.locator(".child-referral")).to_contain_text("A child with any indicator is referred")
    expect(ro.get_by_text("The adult does not consent")).to_have_count(0)
    expect(ro.get_by_text("Record that no referral is needed")).to_have_count(0)
    expect(ro.get_by_text("Decide not to refer this child")).to_have_count(0)  # not a first responder's step

    # She goes missing from the station: the urgent tasks start.
    ro.get_by_text("Record that the person has gone missing").click()
    ro.locator("#missing_last_seen_place").fill("Bucharest North station, platform 3")
    ro.get_by_role("button", name="Record as missing").click()
    expect(ro.get_by_role("status")).to_contain_text("Recorded as missing")
    expect(ro.locator(".missing-open")).to_contain_text("not yet reported")
    ro.goto(f"{romania}/")
    expect(ro.get_by_text("Report the missing person to the police")).to_be_visible()
    ro.screenshot(path=f"{SHOTS}-dashboard.png", full_page=True)

    # Romania's focal point alerts, from the record of her going missing, every country on her route.
    focal = new_page()
    login(focal, romania, "focal", keys[RO]["focal"])
    focal.goto(case_url)
    focal.get_by_role("link", name="Send an alert along the route").click()
    expect(focal.locator("main")).to_contain_text("Countries on the recorded route: Afghanistan, Bulgaria, Sweden.")
    expect(focal.get_by_role("alert")).to_contain_text("Not on the trust list, so not alerted: Afghanistan.")
    expect(focal.get_by_label("What the alert is about")).to_have_value("missing_child")
    focal.get_by_label("Circumstances and description").fill(DESCRIPTION)
    focal.get_by_label("Contact point (whom the other countries call)").fill("Duty officer, coordinator's office")
    focal.get_by_role("button", name="Send the alert").click()
    expect(focal.get_by_role("status")).to_contain_text("Alert sent to 2 nodes.")
    expect(focal).to_have_url(re.compile(r"/transnational/alerts/[0-9a-f-]{36}/$"))
    progress = focal.locator("#alert-progress tbody tr")
    expect(progress).to_have_count(2)
    for country in ("BG", "SE"):
        expect(focal.locator(f'#alert-progress tr[data-country="{country}"] td:nth-child(3)')).to_have_text("yes")
    expect(focal.locator("#alert-source")).to_have_text("The record of the person going missing")
    alert_page = focal.url

    for node, url in ((BG, bulgaria), (SE, sweden)):
        acknowledge(new_page(), url, "focal", keys[node]["focal"])

    # Back in Romania: both countries acknowledged, with what they do.
    for country in ("BG", "SE"):
        row = focal.locator(f'#alert-progress tr[data-country="{country}"]')
        deadline = time.monotonic() + 60
        while True:
            focal.goto(alert_page)
            if row.locator("td.progress").inner_text() == "Acknowledged" or time.monotonic() > deadline:
                break
            focal.wait_for_timeout(500)
        expect(row.locator("td.progress")).to_have_text("Acknowledged")
        expect(row).to_contain_text("Alert circulated to the police and border posts")
    focal.screenshot(path=f"{SHOTS}-acknowledged.png", full_page=True)
