"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium these tests are skipped, unless TRM_REQUIRE_BROWSER=1 (as in
.ci/run), where a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("TRM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout():
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("TRM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def build():
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        # Generous: browser tests share two cores with several node processes under CI.
        page.set_default_timeout(30_000)
        return page

    yield build
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, base_url: str, user, *, password: str | None = None) -> None:
    """Log in through the real form, typing the user's current TOTP code."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD

    # Fields by their ids, not their labels: the login page may be in any language.
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(password or PASSWORD)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        page.locator("#id_otp_token").fill(f"{totp(device.bin_key):06d}")
    page.locator("section.login form button[type=submit]").click()
