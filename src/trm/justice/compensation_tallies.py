"""Compensation claims for the statistics (registered by ``compensation_registry``).

Two tallies: the number of claims by kind and state, and the amounts claimed, awarded and
paid by currency, in whole units of each currency (never summed across currencies). The
statistics protect both like every count (small cells and their complements are
suppressed), so a small total is shown only as suppressed. Claims received from another
country (the deciding side) count here; those passed on (the assisting side) count at the
node that decides them, so that no claim counts twice in the network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from trm.justice.models.compensation import AbroadRole, Claim, ClaimKind, ClaimStatus, Payment
from trm.lib.tallies import Row, Tally

AMOUNT_LABELS = {"claimed": _("Claimed"), "awarded": _("Awarded"), "paid": _("Paid")}


def _claim_labels(dim: str, code: str) -> str:
    choices = ClaimKind if dim == "kind" else ClaimStatus
    return str(choices(code).label) if code in choices.values else code


def _claim_counts() -> Iterable[Row]:
    rows = (
        Claim.objects.exclude(abroad_role=AbroadRole.ASSISTING)
        .annotate(y=ExtractYear("created_at"))
        .values_list("y", "kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [((str(y), kind, status), n) for y, kind, status, n in rows]


def _amount_labels(dim: str, code: str) -> str:
    if dim == "amount":
        return str(AMOUNT_LABELS.get(code, code))
    return code


def _amount_counts() -> Iterable[Row]:
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    claims = Claim.objects.exclude(abroad_role=AbroadRole.ASSISTING).annotate(y=ExtractYear("created_at"))
    for y, cur, claimed, awarded in claims.values_list("y", "currency", "amount_claimed", "amount_awarded"):
        totals[(str(y), cur, "claimed")] += claimed
        if awarded is not None:
            totals[(str(y), cur, "awarded")] += awarded
    paid = (
        Payment.objects.exclude(claim__abroad_role=AbroadRole.ASSISTING)
        .annotate(y=ExtractYear("claim__created_at"))
        .values_list("y", "claim__currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for y, cur, total in paid:
        totals[(str(y), cur, "paid")] += total or Decimal(0)
    return [(key, int(value)) for key, value in totals.items()]


CLAIMS = Tally(
    name="justice.compensation_claims",
    title=_("Compensation claims by kind and state"),
    dims=("kind", "state"),
    labels=_claim_labels,
    counts=_claim_counts,
    order=60,
    dim_titles={"kind": _("Kind of claim"), "state": _("State")},
)

AMOUNTS = Tally(
    name="justice.compensation_amounts",
    title=_("Compensation claimed, awarded and paid, in whole units of each currency"),
    dims=("currency", "amount"),
    labels=_amount_labels,
    counts=_amount_counts,
    order=61,
    dim_titles={"currency": _("Currency"), "amount": _("Amount")},
)
