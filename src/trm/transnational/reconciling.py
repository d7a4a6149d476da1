"""The focal point reconciles this node's exchange with another node (trm/1 ``exchange_summary``).

``compare`` reads a period against the other node's newest exchange summaries (audited by
the exchange as a read); ``ask`` sends this node's summary of the period, asking for the
other node's in return (audited as a send). Both check that the actor is the focal point:
the exchange checks no roles. Periods are whole days in UTC, as the scheduled summaries are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.exchange import keys, reconciliation
from trm.exchange.errors import ProtocolError
from trm.exchange.models import InboxMessage, OutboxMessage, Summary, SummaryDirection
from trm.lib.refusals import Conflict, ValidationError
from trm.transnational import access
from trm.transnational.evidence import DETAILS, FINDINGS, PEER_STATUSES, label


def _require(user: Any) -> None:
    if not access.may_use(user):
        raise PermissionDenied


def peers() -> list[str]:
    """The nodes to reconcile with: every node this node exchanged messages or summaries with."""
    received = Summary.objects.values_list("peer", flat=True).distinct()
    return sorted(set(reconciliation.peers()) | set(received))


def period(first_day: dt.date, last_day: dt.date, *, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[first_day 00:00 UTC, the day after last_day 00:00 UTC), cut at now."""
    now = now or timezone.now()
    if last_day < first_day:
        raise ValidationError({"last_day": _("The last day must not be before the first.")})
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)
    end = min(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC), now)
    if end <= start:
        raise ValidationError({"first_day": _("The period must have begun: choose a day up to today.")})
    return start, end.replace(microsecond=0)


def compare(peer: str, start: dt.datetime, end: dt.datetime, *, by: Any) -> reconciliation.Report:
    _require(by)
    return reconciliation.reconcile(peer, start, end, by=by, note="page")


def ask(peer: str, start: dt.datetime, end: dt.datetime, *, by: Any) -> list[Summary]:
    """Send our summary of the period to ``peer``, asking for its own; refusals say why."""
    _require(by)
    try:
        return reconciliation.request(peer, start, end, by=by)
    except (keys.NoTrustList, keys.NoKeys):
        raise Conflict(_("This node cannot send now: it has no current trust list or no keys.")) from None
    except ProtocolError:
        raise ValidationError({"peer": _("That node is not on the current trust list.")}) from None


def rows(report: reconciliation.Report, user: Any) -> list[dict[str, Any]]:
    """The report's findings in words, each with its conversation when this node holds the message."""
    ids = [d.message_id for d in report.findings]
    where = dict(OutboxMessage.objects.filter(message_id__in=ids).values_list("message_id", "conversation"))
    where.update(InboxMessage.objects.filter(message_id__in=ids).values_list("message_id", "conversation"))
    conversations = {str(k): v for k, v in where.items()}
    visible = set(
        access.visible_links(user)
        .filter(conversation__in=list(conversations.values()))
        .values_list("conversation", flat=True)
    )
    out = []
    for d in report.findings:
        conversation = conversations.get(d.message_id)
        out.append(
            {
                "d": d,
                "kind": label(FINDINGS, d.kind),
                "here": label(PEER_STATUSES, d.here),
                "there": label(PEER_STATUSES, d.there),
                "detail": label(DETAILS, d.detail) if d.detail else "",
                "conversation": conversation if conversation in visible else None,
            }
        )
    return out


def recent(limit: int = 20) -> list[Summary]:
    """The latest summaries received, newest first."""
    return list(Summary.objects.filter(direction=SummaryDirection.RECEIVED).order_by("-stored_at", "-id")[:limit])
