"""The demo's panel on the login page: its accounts, their shared password and current codes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from trm.accounts.login_panels import LoginPanel
from trm.demo.accounts import DEMO_PASSWORD, demo_accounts


def login_panel(request: HttpRequest) -> LoginPanel | None:
    """Only a demo node shows it (the app is installed in tests too), and only once seeded."""
    if not settings.DEMO:
        return None
    accounts = demo_accounts()
    if not accounts:
        return None
    return LoginPanel("demo/login_accounts.html", {"accounts": accounts, "password": DEMO_PASSWORD})
