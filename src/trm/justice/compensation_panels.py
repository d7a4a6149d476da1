"""The dashboard panel of compensation deadlines, the case page's compensation and group sections,
and the per-currency totals the overview shows (never summed across currencies)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.accounts.roles import Cap
from trm.dashboard.panels import Panel
from trm.justice import claim_states, compensation_access
from trm.justice.models.compensation import ClaimStatus

if TYPE_CHECKING:
    from trm.cases.models import Case

PANEL_ROWS = 10
LIMITATION_SOON_DAYS = 30
ZERO = Decimal("0")


@dataclass
class CurrencyTotals:
    currency: str
    claims: int = 0
    claimed: Decimal = ZERO
    awarded: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def gap(self) -> Decimal:
        return self.awarded - self.paid


def totals_by_currency(claims: Any) -> list[CurrencyTotals]:
    """Per currency: claims, claimed, and for awards still standing, awarded, paid and the gap.

    Written-off awards count neither as awarded nor as paid: their gap is no longer owed.
    """
    found: dict[str, CurrencyTotals] = defaultdict(lambda: CurrencyTotals(""))
    for claim in claims.with_paid():
        row = found[claim.currency]
        row.currency = claim.currency
        row.claims += 1
        row.claimed += claim.amount_claimed
        if claim.status in (ClaimStatus.AWARDED, ClaimStatus.PAID_IN_PART, ClaimStatus.PAID):
            row.awarded += claim.amount_awarded or ZERO
            row.paid += claim.amount_paid
    return sorted(found.values(), key=lambda r: r.currency)


def limitation_panel(request: HttpRequest) -> Panel | None:
    """Claims not yet filed whose limitation date is near or past, soonest first."""
    user = request.user
    if not user.is_authenticated or not user.can(Cap.SEE_CASE_DATA):
        return None
    today = timezone.localdate()
    soon = today + dt.timedelta(days=LIMITATION_SOON_DAYS)
    claims = (
        compensation_access.visible_claims(user)
        .filter(status=ClaimStatus.DRAFT, limitation_on__isnull=False, limitation_on__lte=soon)
        .select_related("case")
        .order_by("limitation_on", "id")[:PANEL_ROWS]
    )
    rows = [{"claim": c, "urgency": c.limitation_urgency(today, soon_days=LIMITATION_SOON_DAYS)} for c in claims]
    if not rows:
        return None
    return Panel(
        title=_("Compensation claims to file"),
        template="justice/compensation/_panel.html",
        context={"rows": rows, "today": today},
        order=18,
    )


def case_compensation(request: HttpRequest, case: Case) -> Panel | None:
    user = request.user
    claims = list(compensation_access.visible_claims(user).filter(case=case).with_paid().order_by("-created_at"))
    may_open = compensation_access.may_open_claim(user, case)
    if not claims and not may_open:
        return None
    today = timezone.localdate()
    return Panel(
        title=_("Compensation"),
        template="justice/compensation/_case_section.html",
        context={
            "claims": claims,
            "case": case,
            "may_open": may_open,
            # Shown with the claims only: no statement when there are none.
            "totals": totals_by_currency(compensation_access.visible_claims(user).filter(case=case)) if claims else [],
            "urgency": {c.pk: c.limitation_urgency(today) for c in claims},
        },
        order=60,
    )


def case_groups(request: HttpRequest, case: Case) -> Panel | None:
    user = request.user
    groups = list(compensation_access.visible_groups(user).filter(members__case=case).distinct())
    if not groups and not compensation_access.may_record_groups(user):
        return None
    return Panel(
        title=_("Group cases"),
        template="justice/groups/_case_section.html",
        context={"groups": groups, "case": case, "may_record": compensation_access.may_record_groups(user)},
        order=61,
    )


def open_claims(user: Any) -> Any:
    return compensation_access.visible_claims(user).exclude(status__in=claim_states.ENDED)


def awarded_claims(user: Any) -> Any:
    return compensation_access.visible_claims(user).filter(
        status__in=(ClaimStatus.AWARDED, ClaimStatus.PAID_IN_PART, ClaimStatus.PAID)
    )
