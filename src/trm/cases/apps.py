from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "trm.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from trm import navigation
        from trm.accounts.roles import Cap
        from trm.cases import panels
        from trm.dashboard.panels import register

        navigation.register(navigation.NavItem(_("Cases"), "cases:list", Cap.SEE_CASE_DATA, order=20))
        register(panels.deadlines_panel)

        from trm.cases import protection_actions, protection_sections, sections

        protection_actions.register()
        sections.register(protection_sections.child_on_the_move)
        sections.register(protection_sections.missing_person)
        sections.register(protection_sections.migration_and_route)
