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
        # The page of messages not processed shows these words, never the handler's codes.
        inbox.explain(type_=regional.TYPE, label=_("Regional figures of a country"))
        inbox.explain(
            code=regional.NOT_THE_SECRETARIAT,
            reason=_("This node is not the network secretariat's: it keeps no regional figures of other countries."),
        )
        inbox.explain(
            code=regional.K_BELOW_THRESHOLD,
            reason=_(
                "The figures were protected with a smaller threshold than this node's: "
                "counts this node would hide could be read from them, so they are not kept."
            ),
        )
        inbox.explain(
            code=regional.SENDER_NOT_LISTED,
            reason=_("The sending node is not in the current trust list, so its country is not known here."),
        )
        updates.register_statistics_provider(regional.for_update)
