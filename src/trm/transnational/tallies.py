"""Transnational referrals and post-return reports as counts for the statistics."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.lib.tallies import Row, Tally
from trm.transnational.models import Direction, Link, LinkStatus, ReportDue
from trm.vocab.countries import country_name

REPORT_STATES = {"done": _("Done"), "overdue": _("Overdue"), "pending": _("Not yet due")}


def _link_labels(dim: str, code: str) -> str:
    if dim == "country":
        return country_name(code)
    direction, _sep, status = code.partition(":")
    parts = [Direction(direction).label if direction in Direction.values else direction]
    parts.append(LinkStatus(status).label if status in LinkStatus.values else status)
    return " · ".join(str(p) for p in parts)


def _link_counts() -> Iterable[Row]:
    rows = (
        Link.objects.annotate(y=ExtractYear("created_at"))
        .values_list("y", "peer_country", "direction", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [((str(y), country, f"{direction}:{status}"), n) for y, country, direction, status, n in rows]


def _report_labels(dim: str, code: str) -> str:
    return str(REPORT_STATES.get(code, code))


def _report_counts() -> Iterable[Row]:
    today = timezone.localdate()
    out: dict[tuple[str, str], int] = {}
    for due, done in ReportDue.objects.values_list("due_on", "done_at").iterator(chunk_size=5000):
        state = "done" if done is not None else "overdue" if due < today else "pending"
        key = (str(due.year), state)
        out[key] = out.get(key, 0) + 1
    return list(out.items())


LINKS = Tally(
    name="transnational.referrals",
    title=_("Transnational referrals by country and outcome"),
    dims=("country", "outcome"),
    labels=_link_labels,
    counts=_link_counts,
    order=20,
)
REPORTS = Tally(
    name="transnational.reports",
    title=_("Post-return reports, by year due"),
    dims=("report",),
    labels=_report_labels,
    counts=_report_counts,
    order=30,
)
