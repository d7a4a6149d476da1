"""A referral travels between two real nodes: sent from Sweden's screen, accepted in Bulgaria.

Both nodes are separate processes (the demo launcher: own SQLite database, keys, trust
list and exchange worker each) on free 127.0.0.1 ports; everything stops by itself.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_base() -> int:
    for base in range(19100, 19900, 10):
        taken = []
        try:
            for i in range(2):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                taken.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in taken:
                s.close()
    raise RuntimeError("no free ports")


@pytest.fixture
def two_nodes(tmp_path):
    base = _free_base()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
    env.update({"TRM_MODE": "demo", "TRM_DATA_DIR": str(tmp_path), "TRM_DEMO_BASE_PORT": str(base),
                "PYTHONPATH": os.path.join(ROOT, "src")})
    proc = subprocess.Popen([sys.executable, "-m", "trm.cli", "demo", "--nodes", "2"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    urls = [f"http://127.0.0.1:{base + i}" for i in range(2)]
    try:
        deadline = time.monotonic() + 240
        ready = set()
        while len(ready) < 2 and time.monotonic() < deadline:
            for url in urls:
                try:
                    with urllib.request.urlopen(f"{url}/accounts/login/", timeout=3):  # noqa: S310 - loopback
                        ready.add(url)
                except OSError:
                    pass
            time.sleep(1)
        assert len(ready) == 2, "the two demo nodes did not start within 240 s"
        yield urls
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def demo_login(page, url: str, username: str = "focal") -> None:
    page.goto(f"{url}/accounts/login/")
    password = page.locator("#demo-password").inner_text()
    code = page.locator(f'code.otp[data-username="{username}"]').inner_text()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def test_a_referral_goes_from_the_destination_to_the_origin_country_and_is_accepted(two_nodes, new_page):
    sweden, bulgaria = two_nodes
    se = new_page()
    demo_login(se, sweden)
    # The focal point opens an adult case and records the person's consent to a transnational referral.
    se.goto(f"{sweden}/cases/?child=no")
    se.locator("table tbody tr a").first.click()
    case_ref = se.locator("h1").inner_text().split()[-1]
    se.locator("summary", has_text="Record consent").click()
    se.get_by_label("Purpose").select_option("transnational_referral")
    se.locator("form[action$='/consent/'] button[type=submit]").click()
    expect(se.get_by_text("Consent recorded.")).to_be_visible()
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
    row = bg.locator("tr", has_text="medical, legal")
    for _ in range(60):
        bg.goto(f"{bulgaria}/transnational/")
        if row.count():
            break
        time.sleep(2)
    row.get_by_role("link").first.click()
    expect(bg.get_by_role("heading", name="Referral received")).to_be_visible()
    expect(bg.locator("#link-status")).to_have_text("Referral offered")
    bg.get_by_role("button", name="Accept the referral").click()
    expect(bg.get_by_text(re.compile(r"Referral accepted: case BG-"))).to_be_visible()
    bg.screenshot(path="/tmp/trm-transnational-accepted.png", full_page=True)

    # Back in Sweden, the shared timeline shows the acceptance.
    for _ in range(60):
        se.goto(sent_url)
        if se.locator("#link-status").inner_text() == "Accepted":
            break
        time.sleep(2)
    expect(se.locator("#link-status")).to_have_text("Accepted")
    expect(se.locator("ol.timeline")).to_contain_text("referral_accept")
    assert case_ref.startswith("SE-")
