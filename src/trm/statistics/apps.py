from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "trm.statistics"
    label = "statistics"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from django.conf import settings

        from trm import navigation
        from trm.accounts.roles import Cap
        from trm.exchange import chores
        from trm.statistics import facts

        navigation.register(navigation.NavItem(_("Statistics"), "statistics:home", Cap.VIEW_STATISTICS, order=70))
        chores.register("statistics.refresh", facts.refresh_chore, every_seconds=settings.TRM_STATS_REFRESH_EVERY)
