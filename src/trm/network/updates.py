"""Country updates (tour de table) written by each coordinator before a meeting.

Statistics extension point
--------------------------
A country's update may carry the node's protected (disclosure-controlled) aggregates. They
are not typed in here and never invented: once the statistics app can deliver them over
``trm/1``, it registers a provider with ``register_statistics_provider``. The provider is
called as ``provider(country_code, period_start, period_end)`` and returns a JSON-ready
mapping (already suppressed as the node's disclosure rules demand) or ``None``.
``attach_node_statistics`` stores that mapping on the update; without a provider it does
nothing and returns ``None``. When the mapping carries a ``summary`` (a sentence of the
figures), it pre-fills the update's trends if they are still empty; people then edit it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from trm.accounts.models import User
from trm.audit.events import Action
from trm.audit.record import record
from trm.network import access
from trm.network.models import CountryUpdate, Meeting, MeetingStatus, NetworkCountry, UpdateStatus

StatisticsProvider = Callable[[str, date, date], Mapping[str, Any] | None]
_statistics_provider: StatisticsProvider | None = None

UPDATE_FIELDS = ("key_activities", "good_practices", "trends")


def register_statistics_provider(provider: StatisticsProvider | None) -> None:
    """Set (or clear, with None) the source of node statistics for country updates."""
    global _statistics_provider
    _statistics_provider = provider


def statistics_provider() -> StatisticsProvider | None:
    return _statistics_provider


@transaction.atomic
def save_update(
    meeting: Meeting,
    country: NetworkCountry,
    *,
    by: User,
    key_activities: str = "",
    good_practices: str = "",
    trends: str = "",
    submit: bool = False,
) -> CountryUpdate:
    """Create or change the country's update for the meeting; ``submit`` shares it with the others."""
    access.check("save_update", by, (meeting, country))
    update, created = CountryUpdate.objects.select_for_update().get_or_create(meeting=meeting, country=country)
    update.key_activities = key_activities.strip()
    update.good_practices = good_practices.strip()
    update.trends = trends.strip()
    if submit:
        update.status = UpdateStatus.SUBMITTED
    update.updated_by = by if getattr(by, "is_authenticated", False) else None
    update.full_clean()
    update.save(update_fields=[*UPDATE_FIELDS, "status", "updated_by", "updated_at"])
    record(by, Action.CREATE if created else Action.UPDATE, update, fields=UPDATE_FIELDS, note=update.status)
    return update


@transaction.atomic
def attach_node_statistics(update: CountryUpdate, *, period_start: date, by: User) -> Mapping[str, Any] | None:
    """Attach the node's protected statistics for the period up to the meeting, if a provider exists."""
    access.check("attach_node_statistics", by, (update.meeting, update.country))
    provider = _statistics_provider
    if provider is None:
        return None
    stats = provider(update.country.code, period_start, update.meeting.start_date)
    if stats is None:
        return None
    update.statistics = {
        "period": [period_start.isoformat(), update.meeting.start_date.isoformat()],
        "fetched_at": timezone.now().isoformat(),
        "data": dict(stats),
    }
    fields = ["statistics"]
    summary = stats.get("summary")
    if isinstance(summary, str) and summary.strip() and not update.trends:
        update.trends = summary.strip()
        fields.append("trends")
    update.full_clean()
    update.save(update_fields=[*fields, "updated_at"])
    record(by, Action.RECEIVE, update, fields=fields)
    return stats


def statistics_period_start(meeting: Meeting) -> date:
    """Where the figures for a meeting's updates start: the previous meeting, else a year before."""
    previous = (
        Meeting.objects.filter(start_date__lt=meeting.start_date)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-start_date")
        .first()
    )
    return previous.start_date if previous is not None else date(meeting.start_date.year - 1, 1, 1)
