from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "trm.demo"
    label = "demo"

    def ready(self) -> None:
        from trm.accounts import login_panels
        from trm.demo.login import login_panel

        login_panels.register(login_panel)
