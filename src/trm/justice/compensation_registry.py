"""What compensation claims and group cases register at start-up (called from ``registry.ready``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from trm import navigation
    from trm.accounts.roles import Cap
    from trm.cases import sections
    from trm.dashboard import panels
    from trm.justice import compensation_abroad, compensation_panels, compensation_tallies, group_cases
    from trm.lib import tallies

    navigation.register(navigation.NavItem(_("Compensation"), "justice:compensation", Cap.SEE_CASE_DATA, order=40))
    navigation.register(navigation.NavItem(_("Group cases"), "justice:groups", Cap.SEE_CASE_DATA, order=41))
    panels.register(compensation_panels.limitation_panel)
    sections.register(compensation_panels.case_compensation)
    sections.register(compensation_panels.case_groups)
    tallies.register(compensation_tallies.CLAIMS)
    tallies.register(compensation_tallies.AMOUNTS)
    compensation_abroad.register()
    group_cases.register()
