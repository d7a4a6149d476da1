"""National referrals as counts for the statistics (registered in ReferralsConfig.ready)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from trm.lib.tallies import DaysRow, Row, Tally
from trm.referrals.models import Referral, Service, Status


def _labels(dim: str, code: str) -> str:
    choices = Service if dim == "service" else Status
    return str(choices(code).label) if code in choices.values else code


def _counts() -> Iterable[Row]:
    rows = (
        Referral.objects.annotate(y=ExtractYear("referred_at"))
        .values_list("y", "service", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [((str(y), service, status), n) for y, service, status, n in rows]


def _days() -> Iterable[DaysRow]:
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    answered = Referral.objects.filter(responded_at__isnull=False).values_list("referred_at", "service", "responded_at")
    for referred, service, responded in answered.iterator(chunk_size=5000):
        if responded is None:  # filtered out above; the type does not know it
            continue
        entry = totals[(str(referred.year), service)]
        entry[0] += (responded - referred).total_seconds() / 86400
        entry[1] += 1
    return [(key, total, int(n)) for key, (total, n) in totals.items()]


TALLY = Tally(
    name="referrals.national",
    title=_("National referrals by service and outcome"),
    dims=("service", "outcome"),
    labels=_labels,
    counts=_counts,
    days=_days,
    days_title=_("Mean days to answer a referral"),
    order=10,
)
