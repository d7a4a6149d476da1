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
        from trm.exchange import chores, inbox
        from trm.network import updates
        from trm.statistics import facts, regional

        navigation.register(navigation.NavItem(_("Statistics"), "statistics:home", Cap.VIEW_STATISTICS, order=70))
        chores.register("statistics.refresh", facts.refresh_chore, every_seconds=settings.TRM_STATS_REFRESH_EVERY)
        # The secretariat's node keeps the countries' regional figures (trm/1 §5.22) and
        # pre-fills each country's update for a coordinators' meeting from them.
        inbox.register_handler(regional.TYPE, regional.on_regional_aggregate)
        updates.register_statistics_provider(regional.for_update)
