from __future__ import annotations

from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "trm.network"
    label = "network"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from trm import navigation
        from trm.accounts.roles import Cap
        from trm.dashboard import panels
        from trm.network import anchoring
        from trm.network.panels import audit_alarm_panel, network_panel, trust_list_panel

        # Coordinators with an account reach the module from their dashboard panel.
        navigation.register(navigation.NavItem(_("Network"), "network:home", Cap.MANAGE_NETWORK, order=80))
        panels.register(network_panel)
        # This node witnesses other nodes' audit heads and publishes its own (docs/security.md).
        anchoring.register()
        panels.register(audit_alarm_panel)
        # The trust list going stale stops the exchange: warn before it does (docs/exchange.md).
        panels.register(trust_list_panel)
