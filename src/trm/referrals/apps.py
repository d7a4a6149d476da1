from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "trm.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from trm import navigation
        from trm.accounts.roles import Cap
        from trm.dashboard.panels import register
        from trm.referrals import panels

        navigation.register(navigation.NavItem(_("Referrals"), "referrals:list", Cap.SEE_CASE_DATA, order=30))
        # The directory holds no personal data: every member of the node may consult it.
        navigation.register(navigation.NavItem(_("Service providers"), "referrals:directory", None, order=35))
        register(panels.referrals_panel)
        register(panels.plan_reviews_panel)
        navigation.register(navigation.NavItem(_("Support plans"), "referrals:plans", Cap.HANDLE_REFERRALS, order=32))

        from trm.lib import tallies
        from trm.referrals.tallies import TALLY

        tallies.register(TALLY)

        from trm.cases import consent, sections
        from trm.referrals import routing
        from trm.referrals.sections import case_referrals

        sections.register(case_referrals)
        # Withdrawing a consent withdraws, at once, the referrals that relied on it.
        consent.on_withdrawal(lambda row, by: routing.end_for_withdrawn_consent(row, by=by))
