"""The "Referrals to service providers" section of the case page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trm.dashboard.panels import Panel
from trm.referrals import access

if TYPE_CHECKING:
    from trm.cases.models import Case


def case_referrals(request: HttpRequest, case: Case) -> Panel | None:
    user = request.user
    referrals = access.visible_referrals(user).filter(case=case).select_related("provider__organisation")
    may_refer = access.may_refer(user, case)
    if not may_refer and not referrals.exists():
        return None
    return Panel(
        title=_("Referrals to service providers"),
        template="referrals/_case_section.html",
        context={
            "referrals": list(referrals.order_by("-created_at")[:20]),
            "may_refer": may_refer,
            "case": case,
            "asylum": may_refer and _asylum_authority_listed(),
        },
        order=50,
    )


def _asylum_authority_listed() -> bool:
    """Whether the directory lists the asylum authority (the directory is small: read in Python,
    as JSON containment is not portable)."""
    from trm.referrals.models import Provider, Service

    return any(Service.ASYLUM in p.services for p in Provider.objects.active().only("services"))
