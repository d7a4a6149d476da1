"""What another country holds about a case: its office for the case (the counterpart) and its decision.

Written when this node accepts a referral from another country's node: the sending office
becomes the case's counterpart (whom to contact abroad, at which node, under which case
reference) and the sending country's identification decision is kept as **that country's**
decision (``ForeignDecision``), never as a step of this node's own procedure: the case's
``state`` and its ``Decision`` rows stay this node's alone. Each verb checks its actor and
the case's state (``access.check("record_abroad", …)``: whoever manages the open case),
validates, and writes its audit entry in its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access
from trm.cases.models import Case, Counterpart, ForeignDecision, ForeignStatus


def _abroad(country: str) -> None:
    if country == settings.TRM_COUNTRY:
        raise ValidationError({"country": _("A counterpart abroad is in another country than this one.")})


@transaction.atomic
def add_counterpart(
    case: Case,
    *,
    by: Any,
    country: str,
    organisation: str,
    node: str,
    case_ref: str = "",
    opened_case: bool = False,
) -> Counterpart:
    """Name the office abroad that holds the case too (``opened_case``: this case was opened from its referral)."""
    access.check("record_abroad", by, case)
    _abroad(country)
    item = Counterpart(
        case=case,
        country=country,
        organisation=(organisation or node)[:200],
        node=node,
        case_ref=case_ref[:64],
        opened_case=opened_case,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["counterpart"], note=f"counterpart: {country} {node}")
    return item


@transaction.atomic
def record_foreign_decision(
    case: Case,
    *,
    by: Any,
    reported_by: Counterpart,
    status: str,
    decided_on: dt.date | None = None,
    authority: str = "",
) -> ForeignDecision:
    """Keep the counterpart's country's identification decision, as that country reported it."""
    access.check("record_abroad", by, case)
    if reported_by.case_id != case.pk:
        raise ValidationError({"reported_by": _("The counterpart belongs to another case.")})
    if status not in ForeignStatus.values:
        raise ValidationError({"status": _("Unknown identification status.")})
    if decided_on is not None and decided_on > timezone.localdate() + dt.timedelta(days=1):
        # A day's grace: the two countries' clocks may be on different dates.
        raise ValidationError({"decided_on": _("A decision cannot be dated in the future.")})
    item = ForeignDecision(
        case=case,
        country=reported_by.country,
        status=status,
        decided_on=decided_on,
        authority=authority[:200],
        reported_by=reported_by,
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["foreign_decision"], note=f"decision abroad: {item.country} {status}")
    return item
