from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_user
from trm.accounts.roles import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_demo_user_logs_in_with_the_code_shown_by_the_demo(live_server, page, settings):
    settings.DEMO = True
    call_command("demo_seed")
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Demo accounts")).to_be_visible()
    password = page.locator("#demo-password").inner_text()
    code = page.locator('code.otp[data-username="focal"]').inner_text()
    page.get_by_label("User name").fill("focal")
    page.get_by_label("Password").fill(password)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_text("Welcome,")).to_be_visible()
    page.screenshot(path="/tmp/trm-dashboard.png", full_page=True)


def test_a_wrong_code_gets_one_clear_message(live_server, page, org):
    user = make_user(Role.FOCAL_POINT, org=org)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_label("Authenticator code").fill("123456")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")


def test_a_new_user_enrols_the_second_factor(live_server, page, org):
    import re

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(Role.FIRST_RESPONDER, org=org, with_device=False)
    login(page, live_server.url, user)
    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Two-factor login is set up.")).to_be_visible()


def test_keyboard_users_can_skip_to_the_content(live_server, page, db):
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_the_language_switcher_changes_the_language(live_server, page, db):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Language").select_option("bg")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "bg")
