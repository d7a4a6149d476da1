"""The dashboard panel "Referrals": those awaiting an answer, overdue first, and unread notifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.accounts.roles import Cap
from trm.dashboard.panels import Panel
from trm.referrals import access, notifications
from trm.referrals.models import ACTIVE_STATUSES, Status

PANEL_ROWS = 10


def referrals_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    if not user.is_authenticated or not user.can(Cap.SEE_CASE_DATA):
        return None
    today = timezone.localdate()
    incoming = access.receiving_referrals(user).filter(status=Status.OFFERED).select_related("provider__organisation")
    outgoing = (
        access.visible_referrals(user).filter(status__in=ACTIVE_STATUSES, referred_by=user).select_related("to_org")
    )
    rows: list[dict[str, Any]] = []
    for side, qs in (("incoming", incoming), ("outgoing", outgoing)):
        for r in qs.order_by("answer_due", "id")[:PANEL_ROWS]:
            rows.append({"referral": r, "side": side, "overdue": r.is_overdue(today)})
    unread = notifications.unread_for(user).count()
    if not rows and not unread:
        return None
    rows.sort(key=lambda row: (not row["overdue"], row["referral"].answer_due))
    return Panel(
        title=_("Referrals"),
        template="referrals/_panel.html",
        context={"rows": rows, "overdue": sum(1 for r in rows if r["overdue"]), "unread": unread},
        order=15,
    )


def plan_reviews_panel(request: HttpRequest) -> Panel | None:
    """A provider's "Support plan reviews": the review dates of the open plans it runs, soonest first."""
    user = request.user
    if not user.is_authenticated or not user.can(Cap.HANDLE_REFERRALS):
        return None
    today = timezone.localdate()
    plans = list(
        access.providing_plans(user)
        .filter(status__in=["planned", "active"], review_on__isnull=False)
        .order_by("review_on", "id")[:PANEL_ROWS]
    )
    if not plans:
        return None
    rows = [{"plan": p, "overdue": p.review_on is not None and p.review_on < today} for p in plans]
    return Panel(
        title=_("Support plan reviews"),
        template="referrals/_panel_plans.html",
        context={"rows": rows, "overdue": sum(1 for r in rows if r["overdue"])},
        order=16,
    )
