"""Reconciling what two nodes sent each other, with trm/1 ``exchange_summary`` (docs/protocol.md §5.21).

* ``statement`` reads this node's outbox and inbox for one peer and one period (by each
  envelope's ``created``) as a ``summary.Statement``.
* ``send`` queues that statement to the peer, split into consecutive periods when it holds
  more than one summary may carry, and keeps each as a ``Summary``; ``request`` does the
  same asking the peer for its own summary in return.
* ``send_due`` is the exchange worker's chore: every ``TRM_EXCHANGE_SUMMARY_EVERY`` seconds,
  aligned to 00:00 UTC, a summary of the period just ended goes to every node this node
  has exchanged messages with (after a grace time, so that messages in retry arrive).
* ``on_summary`` is the inbox handler: it keeps a peer's summary, compares it with this
  node's records at once (``SummaryFinding`` rows, audited, logged as a warning when it
  finds anything) and answers a request with this node's summary of the same period.
* ``reconcile`` compares a period again, now, with the newest summaries the peer sent
  that cover it, and says which parts of the period no summary of the peer covers.

The exchange checks no user's role: callers (the transnational page, ``trm exchange
reconcile``) check who may ask. Summaries hold no personal data.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import chores, inbox, keys, outbox, protocol, summary
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import SUMMARY_TYPE, Handling, parse_time
from trm.exchange.models import (
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
    Summary,
    SummaryDirection,
    SummaryFinding,
    SummaryReason,
)

logger = logging.getLogger("trm.exchange.reconciliation")

TYPE = SUMMARY_TYPE
_CONVERSATIONS = uuid.UUID("0c6f0d2a-8e1b-5f3c-9a47-2b3c4d5e6f70")
# How long after a period ends its scheduled summary leaves (a quarter of the period at most).
GRACE = timedelta(hours=1)
# How many ended periods the chore looks back at, so that a worker that was down catches up.
CATCH_UP = 7
# A node answers at most this many requests of one peer in 24 hours (trm/1 §5.21 "MAY decline").
REPLIES_PER_DAY = 24

# The trm/1 states (§5.21) of this node's outbox and inbox states.
SENT_STATE = {
    OutboxStatus.PENDING: summary.PENDING,
    OutboxStatus.SENDING: summary.PENDING,
    OutboxStatus.DELIVERED: summary.DELIVERED,
    OutboxStatus.REJECTED: summary.REJECTED,
    OutboxStatus.DEAD: summary.EXPIRED,
}
RECEIVED_STATE = {status: status.value for status in InboxStatus}


def conversation_for(sender: str, peer: str) -> uuid.UUID:
    """One fixed conversation for every summary a node sends one peer."""
    return uuid.uuid5(_CONVERSATIONS, f"{TYPE} {sender} {peer}")


def _whole(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


# --- this node's statement --------------------------------------------------------------


def statement(peer: str, start: datetime, end: datetime) -> summary.Statement:
    """What this node holds of its exchange with ``peer`` for messages created in [start, end)."""
    sent = OutboxMessage.objects.filter(recipient=peer, created__gte=start, created__lt=end).exclude(type=TYPE)
    got = InboxMessage.objects.filter(sender=peer, created__gte=start, created__lt=end).exclude(type=TYPE)
    return summary.Statement(
        node=settings.TRM_NODE_ID,
        peer=peer,
        start=start,
        end=end,
        sent=tuple(
            summary.Entry(
                id=str(row.message_id),
                type=row.type,
                created=_whole(row.created),  # the envelope's created: the same second
                token_sha256=protocol.token_sha256(row.token),
                status=SENT_STATE[OutboxStatus(row.status)],
            )
            for row in sent.only("message_id", "type", "created", "token", "status")
        ),
        received=tuple(
            summary.Entry(
                id=str(row.message_id),
                type=row.type,
                created=_whole(row.created),
                token_sha256=row.token_sha256,
                status=RECEIVED_STATE[InboxStatus(row.status)],
                status_at=None if row.status == InboxStatus.RECEIVED else _whole(row.processed_at or row.received_at),
            )
            for row in got.only(
                "message_id", "type", "created", "token_sha256", "status", "processed_at", "received_at"
            )
            if row.created is not None
        ),
    )


# --- sending ----------------------------------------------------------------------------


def check_period(start: datetime, end: datetime, *, now: datetime) -> tuple[datetime, datetime]:
    """The period in whole seconds; ValidationError unless it ends after it starts and by now."""
    start, end = _whole(start), _whole(end)
    if not start < end:
        raise ValidationError({"end": _("The period must end after it starts.")})
    if end > _whole(now):
        raise ValidationError({"end": _("The period must have ended: it cannot end in the future.")})
    return start, end


def send(
    peer: str,
    start: datetime,
    end: datetime,
    *,
    reason: str = SummaryReason.SCHEDULE,
    by: Any = None,
    now: datetime | None = None,
    in_reply_to: uuid.UUID | str | None = None,
) -> list[Summary]:
    """Queue this node's summary of [start, end) to ``peer`` (several if it must be split).

    ``by`` is the person who asked, for the audit entries (None: the node itself). Raises
    ValidationError for a period that has not ended, and what ``outbox.enqueue`` raises
    (``keys.NoTrustList``, ``keys.NoKeys``, ``LocalProtocolError`` for a peer not on the
    trust list).
    """
    now = now or timezone.now()
    start, end = check_period(start, end, now=now)
    if peer == settings.TRM_NODE_ID:
        raise ValidationError({"peer": _("A node does not reconcile with itself.")})
    parts = summary.split(statement(peer, start, end))
    kept = []
    with transaction.atomic():
        for part in parts:
            body = summary.to_body(part, reply_requested=reason == SummaryReason.REQUEST)
            row = outbox.enqueue(
                TYPE,
                recipient=peer,
                body=body,
                purpose="accountability",
                legal_basis="public_task",
                conversation=conversation_for(settings.TRM_NODE_ID, peer),
                in_reply_to=in_reply_to,
                handling=Handling(("H0",)),
                by=by,
                now=now,
            )
            item = Summary(
                direction=SummaryDirection.SENT,
                peer=peer,
                message_id=row.message_id,
                reason=reason,
                in_reply_to=in_reply_to,
                period_start=part.start,
                period_end=part.end,
                created=_whole(now),
                body=body,
                stored_at=now,
            )
            item.save(force_insert=True)
            kept.append(item)
    logger.info("exchange summary queued to=%s parts=%d reason=%s", peer, len(kept), reason)
    return kept


def request(peer: str, start: datetime, end: datetime, *, by: Any = None, now: datetime | None = None) -> list[Summary]:
    """Send this node's summary of the period and ask the peer for its own in return."""
    return send(peer, start, end, reason=SummaryReason.REQUEST, by=by, now=now)


def peers() -> list[str]:
    """The nodes this node has exchanged any message with (summaries aside), either way."""
    sent = OutboxMessage.objects.exclude(type=TYPE).values_list("recipient", flat=True).distinct()
    got = InboxMessage.objects.exclude(type=TYPE).values_list("sender", flat=True).distinct()
    return sorted(set(sent) | set(got))


def _first_exchange(peer: str) -> datetime | None:
    sent = OutboxMessage.objects.filter(recipient=peer).exclude(type=TYPE).order_by("created").first()
    got = InboxMessage.objects.filter(sender=peer, created__isnull=False).exclude(type=TYPE).order_by("created").first()
    times = [row.created for row in (sent, got) if row is not None and row.created is not None]
    return min(times) if times else None


def period_ending(moment: datetime, every: timedelta) -> datetime:
    """The last boundary of the periods of length ``every`` (aligned to 00:00 UTC, 1 Jan 1970) by ``moment``."""
    seconds = int(every.total_seconds())
    stamp = int(moment.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC)


def send_due(now: datetime) -> list[Summary]:
    """The worker's chore: summaries of the periods just ended to every peer that has none yet."""
    if not settings.TRM_EXCHANGE_SUMMARY_EVERY:
        return []
    every = timedelta(seconds=settings.TRM_EXCHANGE_SUMMARY_EVERY)
    last_end = period_ending(now - min(GRACE, every / 4), every)
    try:
        trust_list = keys.current_trust_list(now=now)
    except keys.NoTrustList:
        return []
    sent: list[Summary] = []
    for peer in peers():
        try:
            trust_list.node(peer, at=now)
        except ProtocolError:
            continue  # not (or no longer) a node of the network
        first = _first_exchange(peer)
        for back in range(CATCH_UP - 1, -1, -1):
            end = last_end - back * every
            start = end - every
            if first is None or end <= first:
                continue
            done = Summary.objects.filter(
                direction=SummaryDirection.SENT,
                peer=peer,
                reason=SummaryReason.SCHEDULE,
                period_start__gte=start,
                period_end__lte=end,
            )
            if not done.exists():
                sent += send(peer, start, end, now=now)
    return sent


# --- receiving --------------------------------------------------------------------------


def _keep_findings(kept: Summary, found: Iterable[summary.Discrepancy]) -> int:
    rows = [
        SummaryFinding(
            summary=kept,
            message_id=d.message_id,
            sender=d.sender,
            recipient=d.recipient,
            type=d.type[:64],
            created=d.created,
            kind=d.kind,
            here=d.here,
            there=d.there,
            detail=d.detail,
        )
        for d in found
    ]
    SummaryFinding.objects.bulk_create(rows)
    return len(rows)


def on_summary(row: InboxMessage) -> None:
    """Inbox handler: keep a peer's summary, compare it with our records, answer a request."""
    envelope = row.envelope
    body = envelope["body"]
    now = timezone.now()
    theirs = summary.from_body(body, node=row.sender, peer=settings.TRM_NODE_ID)
    if row.in_reply_to is not None:
        reason = SummaryReason.REPLY
    elif body.get("reply_requested"):
        reason = SummaryReason.REQUEST
    else:
        reason = SummaryReason.SCHEDULE
    found = summary.compare(statement(row.sender, theirs.start, theirs.end), theirs)
    kept = Summary(
        direction=SummaryDirection.RECEIVED,
        peer=row.sender,
        message_id=row.message_id,
        reason=reason,
        in_reply_to=row.in_reply_to,
        period_start=theirs.start,
        period_end=theirs.end,
        created=parse_time(envelope["created"]),
        body=body,
        stored_at=now,
        compared_at=now,
        findings=len(found),
    )
    kept.save(force_insert=True)
    _keep_findings(kept, found)
    record(
        None,
        Action.RECEIVE,
        kept,
        object_type="exchange.summary",
        note=f"summary from {row.sender}: {len(found)} finding(s)",
    )
    if found:
        logger.warning(
            "exchange summary from=%s message=%s findings=%d (trm exchange reconcile)",
            row.sender,
            row.message_id,
            len(found),
        )
    if reason == SummaryReason.REQUEST and _may_reply(row.sender, now):
        # A period may end up to the clock skew ahead of our clock (it ends by the request's
        # created): the answer is then created at its end, which the requester accepts.
        at = max(now, theirs.end)
        send(row.sender, theirs.start, theirs.end, reason=SummaryReason.REPLY, in_reply_to=row.message_id, now=at)


def _may_reply(peer: str, now: datetime) -> bool:
    recent = Summary.objects.filter(
        direction=SummaryDirection.SENT,
        peer=peer,
        reason=SummaryReason.REPLY,
        stored_at__gt=now - timedelta(days=1),
    ).values("in_reply_to")
    if recent.distinct().count() < REPLIES_PER_DAY:
        return True
    logger.warning("exchange summary request from=%s not answered: %d today", peer, REPLIES_PER_DAY)
    return False


# --- reconciling a period ---------------------------------------------------------------

Interval = tuple[datetime, datetime]


def subtract(pieces: Sequence[Interval], taken: Interval) -> list[Interval]:
    """``pieces`` without ``taken``."""
    out = []
    for a, b in pieces:
        if taken[1] <= a or b <= taken[0]:
            out.append((a, b))
            continue
        if a < taken[0]:
            out.append((a, taken[0]))
        if taken[1] < b:
            out.append((taken[1], b))
    return out


@dataclass(frozen=True)
class Part:
    """One part of the period, compared with one summary of the peer."""

    start: datetime
    end: datetime
    summary: Summary


@dataclass(frozen=True)
class Report:
    peer: str
    start: datetime
    end: datetime
    findings: list[summary.Discrepancy] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    uncovered: list[Interval] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        """Every part of the period was compared, and nothing was found."""
        return not self.findings and not self.uncovered


def reconcile(
    peer: str, start: datetime, end: datetime, *, by: Any = None, now: datetime | None = None, note: str = ""
) -> Report:
    """Compare [start, end) with the peer's newest summaries that cover it, against our records now.

    A newer summary wins over an older one for the part both cover; parts no summary
    covers are reported in ``uncovered`` (ask the peer with ``request``). Audited as a read
    (``by``: who asked, None for the node itself).
    """
    now = now or timezone.now()
    start, end = check_period(start, end, now=now)
    candidates = Summary.objects.filter(
        direction=SummaryDirection.RECEIVED, peer=peer, period_start__lt=end, period_end__gt=start
    ).order_by("-created", "-id")
    open_: list[Interval] = [(start, end)]
    findings: list[summary.Discrepancy] = []
    parts: list[Part] = []
    for theirs_row in candidates:
        if not open_:
            break
        theirs = summary.from_body(theirs_row.body, node=peer, peer=settings.TRM_NODE_ID)
        wanted = (max(theirs.start, start), min(theirs.end, end))
        for a, b in open_:
            a, b = max(a, wanted[0]), min(b, wanted[1])
            if a < b:
                findings += summary.compare(statement(peer, a, b), theirs.within(a, b))
                parts.append(Part(a, b, theirs_row))
        open_ = subtract(open_, wanted)
    findings.sort(key=lambda d: (d.created, d.message_id))
    parts.sort(key=lambda p: p.start)
    report = Report(peer, start, end, findings, parts, open_)
    with transaction.atomic():
        record(
            by,
            Action.READ,
            object_type="exchange.summary",
            object_ref=peer,
            note=(
                f"reconciled with {peer}: {len(findings)} finding(s)"
                + (f", {len(open_)} part(s) not covered" if open_ else "")
                + (f" ({note})" if note else "")
            )[:200],
        )
    return report


def answers_to(requests: Iterable[Summary]) -> Any:
    """The peer's summaries received in reply to ``requests`` (our requests)."""
    return Summary.objects.filter(direction=SummaryDirection.RECEIVED, in_reply_to__in=[r.message_id for r in requests])


def register() -> None:
    """Called once at start-up by the exchange app."""
    inbox.register_handler(TYPE, on_summary)
    chores.register("send exchange summaries", send_due, every_seconds=300)
