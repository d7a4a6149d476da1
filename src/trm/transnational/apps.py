from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransnationalConfig(AppConfig):
    name = "trm.transnational"
    label = "transnational"
    verbose_name = _("Transnational referrals")

    def ready(self) -> None:
        from trm import navigation
        from trm.accounts.roles import Cap
        from trm.cases import consent, sections
        from trm.dashboard import panels
        from trm.transnational import kinds, views, workflows

        kinds.register_handlers()

        from trm.lib import tallies as statistics_tallies
        from trm.transnational import tallies

        statistics_tallies.register(tallies.LINKS)
        statistics_tallies.register(tallies.REPORTS)
        consent.on_withdrawal(workflows.on_consent_withdrawn)
        sections.register(views.case_section)
        panels.register(views.dashboard_panel)
        panels.register(views.notices_panel)
        navigation.register(
            navigation.NavItem(_("Transnational"), "transnational:inbox", Cap.SEND_TRANSNATIONAL, order=40)
        )
        from trm.cases import missing
        from trm.transnational import alerts

        # An open missing episode offers its alert along the route to whoever may send one.
        missing.register_offer(alerts.offer_for_episode)
