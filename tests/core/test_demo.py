from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from trm.accounts.models import User
from trm.demo.accounts import ACCOUNTS, DEMO_PASSWORD, current_code


@pytest.fixture
def seeded(db, settings):
    call_command("demo_seed")
    return settings


def test_it_seeds_one_account_per_role(seeded):
    assert User.objects.filter(username__in=[a.username for a in ACCOUNTS]).count() == len(ACCOUNTS)
    call_command("demo_seed")  # idempotent
    assert User.objects.filter(username__in=[a.username for a in ACCOUNTS]).count() == len(ACCOUNTS)


def test_demo_login_page_lists_accounts_and_codes(seeded, client):
    seeded.DEMO = True
    before = current_code("focal")
    html = client.get(reverse("accounts:login")).content.decode()
    after = current_code("focal")
    assert "Demo accounts" in html
    assert DEMO_PASSWORD in html
    # The code may roll over during the request: one of the two must be on the page.
    assert before in html or after in html
    # htmx refreshes the codes by reloading the page and swapping in this block.
    assert 'hx-select="#demo-accounts"' in html


def test_the_login_page_lists_no_demo_account_outside_demo_mode(seeded, client):
    seeded.DEMO = False
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Demo accounts" not in html
    assert DEMO_PASSWORD not in html


def test_a_demo_user_logs_in_with_the_shown_code(seeded, client):
    data = {"username": "focal", "password": DEMO_PASSWORD, "otp_token": current_code("focal")}
    response = client.post(reverse("accounts:login"), data)
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_demo_data_is_refused_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused"):
        call_command("demo_seed")
