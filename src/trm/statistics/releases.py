"""Differentially private releases for publication, and the privacy budget they spend.

Each year of data has ``TRM_STATS_DP_BUDGET`` of epsilon in all (sequential composition:
every release about that year's victims spends from it). A release that would go over is
refused with a Conflict, before any noise is drawn. The release, its epsilon and the noisy
table are kept, so that the same table is shown again instead of drawn again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from trm.accounts.access import require_capability
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.models import new_reference
from trm.lib.refusals import Conflict, ValidationError
from trm.statistics import disclosure, figures
from trm.statistics.models import UNKNOWN, VICTIMS, CaseFact, DPRelease, Snapshot
from trm.vocab.countries import country_names


def public_values(dim: str) -> list[str]:
    """The values a table may have whatever the data: a vocabulary, never what was seen."""
    if dim == "citizenship":
        return [*sorted(country_names()), UNKNOWN]
    return list(figures.ORDER[dim])


def spent(year: int) -> float:
    total = DPRelease.objects.filter(year_from__lte=year, year_to__gte=year).aggregate(s=Sum("epsilon"))["s"]
    return float(total or 0.0)


def remaining(year: int) -> float:
    return max(0.0, settings.TRM_STATS_DP_BUDGET - spent(year))


@transaction.atomic
def release(*, by: Any, table: str, year: int, epsilon: float) -> DPRelease:
    """Release victims of ``year`` by category and ``table``, with epsilon-DP noise."""
    require_capability(by, Cap.VIEW_STATISTICS)
    if table not in figures.BREAKDOWNS:
        raise ValidationError({"table": _("Choose one of the tables offered.")})
    if not 0 < epsilon <= settings.TRM_STATS_DP_BUDGET:
        raise ValidationError({"epsilon": _("Epsilon must be above 0 and within the yearly budget.")})
    # One release at a time, so that two cannot both pass the budget check.
    list(Snapshot.objects.select_for_update().values_list("pk", flat=True)[:1])
    if spent(year) + epsilon > settings.TRM_STATS_DP_BUDGET + 1e-9:
        raise Conflict(
            _("The privacy budget for %(year)s is spent: %(left).2f of %(budget).2f is left.")
            % {"year": year, "left": remaining(year), "budget": settings.TRM_STATS_DP_BUDGET}
        )
    values = public_values(table)
    categories = [str(c) for c in VICTIMS]
    rows = []
    for category, value, n in (
        CaseFact.objects.filter(year=year, category__in=VICTIMS)
        .values_list("category", table)
        .annotate(n=Count("pk"))
        .order_by()
    ):
        rows.append(((category, value if value in values else UNKNOWN), n))
    cube = disclosure.make_cube(("category", table), rows, values=[categories, values])
    noisy = disclosure.dp_release(cube, epsilon=epsilon)
    shown = {key: n for key, n in noisy.cells.items()}
    data = figures.serialise(
        disclosure.Protected(dims=noisy.dims, values=noisy.values, shown=shown, k=0, hidden=frozenset())
    )
    dp = DPRelease(
        reference=new_reference("DP"),
        created_by=by,
        table=table,
        year_from=year,
        year_to=year,
        epsilon=epsilon,
        figures=data,
    )
    dp.full_clean()
    dp.save()
    record(by, Action.EXPORT, dp, note=f"dp release {table} {year} epsilon={epsilon:g}")
    return dp
