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
        from trm.cases import panels, screening
        from trm.dashboard.panels import register
        from trm.lib import labels

        navigation.register(navigation.NavItem(_("Cases"), "cases:list", Cap.SEE_CASE_DATA, order=20))
        labels.register("indicator_set", screening.indicator_set_title)
        register(panels.deadlines_panel)

        from trm.cases import protection_actions, protection_sections, sections

        protection_actions.register()
        sections.register(protection_sections.child_on_the_move)
        sections.register(protection_sections.missing_person)
        sections.register(protection_sections.migration_and_route)
