"""The evidence chain of each message: what this node's records and the peer's signed statements show.

A message this node **sent**: *submitted* (queued in the outbox) → *delivered* (the peer's
signed receipt, verified again now against the current trust list), or *rejected* or
*expired* → *acted upon at the recipient* (the state the peer's newest exchange summary
covering the message gives it, trm/1 §5.21) → *answered* (a reply ``in_reply_to`` it).

A message this node **received**: *submitted* (the envelope's ``created``, signed by the
sender) → *received* (stored, our signed receipt returned) → *acted upon* here (the inbox
state) → *answered* (our reply). The sender's summary, when one covers the message, says
whether the sender holds our receipt.

Facts only, as codes (ids, node ids, states, times, digests): no body is read here. The
transnational part puts them into words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from trm.exchange import jose, keys, protocol
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import SUMMARY_TYPE, parse_time
from trm.exchange.models import (
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
    Summary,
    SummaryDirection,
    SummaryFinding,
)
from trm.exchange.trustlist import TrustList

SENT, RECEIVED = "sent", "received"
# The steps of a chain, in order, and how far each got.
SUBMITTED, DELIVERY, ACTED, ANSWERED = "submitted", "delivery", "acted", "answered"
DONE, WAITING, FAILED, NONE = "done", "waiting", "failed", "none"
# A step's status when no summary of the peer covers the message yet, or one does without listing it.
UNKNOWN, MISSING = "unknown", "missing"


@dataclass(frozen=True)
class Step:
    name: str  # SUBMITTED, DELIVERY, ACTED or ANSWERED
    state: str  # DONE, WAITING, FAILED or NONE
    status: str  # a code: "delivered", "rejected", "expired", "pending", "processed", "failed", "unknown" …
    at: datetime | None
    by: str  # the node whose record or signed statement says so
    note: str = ""  # an error or reason code


@dataclass(frozen=True)
class ReceiptFacts:
    """The signed receipt of a message: who signed what, when, and whether it verifies now."""

    status: str
    received: datetime
    receiver: str
    token_sha256: str  # the digest of the token it acknowledges
    digest: str  # SHA-256 of the receipt itself
    code: str
    ours: bool  # True: this node signed it (a received message)
    verified: bool
    problem: str  # why it does not verify now (a code), or ""


@dataclass(frozen=True)
class PeerStatement:
    """What the peer's newest summary covering the message says of it."""

    summary_id: str
    period_start: datetime
    period_end: datetime
    created: datetime
    status: str  # the peer's state of the message, "" when the summary does not list it
    status_at: datetime | None


@dataclass(frozen=True)
class Reply:
    message_id: str
    type: str
    direction: str
    at: datetime


@dataclass(frozen=True)
class Finding:
    kind: str
    here: str
    there: str
    detail: str
    summary_id: str
    found_at: datetime | None


@dataclass(frozen=True)
class Evidence:
    message_id: str
    direction: str
    peer: str
    type: str
    conversation: str
    created: datetime
    token_sha256: str
    steps: tuple[Step, ...]
    receipt: ReceiptFacts | None
    statement: PeerStatement | None
    findings: tuple[Finding, ...]
    replies: tuple[Reply, ...]

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


# --- pieces -------------------------------------------------------------------------------


def _receipt(
    token: str, *, sent_token: str | None, receiver: str, trust_list: TrustList | None, now: datetime
) -> ReceiptFacts | None:
    if not token:
        return None
    try:
        _header, payload = jose.jws_parts(token)
        data = json.loads(payload)
        received = parse_time(data["received"])
    except (jose.JoseFailure, ValueError, KeyError, TypeError):
        return None  # not a receipt (never stored by the outbox or inbox, which verify or sign it)
    ours = sent_token is None
    verified, problem = False, ""
    if sent_token is None:
        verified = True  # signed by this node when it stored the message
    elif trust_list is None:
        problem = "no_trust_list"
    else:
        try:
            protocol.verify_receipt(token, sent_token=sent_token, receiver=receiver, trust_list=trust_list, now=now)
            verified = True
        except ProtocolError as err:
            problem = str(err.code)
    return ReceiptFacts(
        status=str(data.get("status", "")),
        received=received,
        receiver=str(data.get("receiver", "")),
        token_sha256=str(data.get("token_sha256", "")),
        digest=protocol.token_sha256(token),
        code=str(data.get("code", "")),
        ours=ours,
        verified=verified,
        problem=problem,
    )


def _statements(peer: str, times: Sequence[datetime]) -> list[Summary]:
    """The peer's summaries that cover any of ``times``, newest first."""
    if not times:
        return []
    return list(
        Summary.objects.filter(
            direction=SummaryDirection.RECEIVED,
            peer=peer,
            period_start__lte=max(times),
            period_end__gt=min(times),
        ).order_by("-created", "-id")
    )


def _statement(summaries: Iterable[Summary], created: datetime, message_id: str, listing: str) -> PeerStatement | None:
    for row in summaries:
        if not row.period_start <= created < row.period_end:
            continue
        entry = next((e for e in row.body[listing] if e["id"] == message_id), None)
        at = entry.get("status_at") if entry else None
        return PeerStatement(
            summary_id=str(row.message_id),
            period_start=row.period_start,
            period_end=row.period_end,
            created=row.created,
            status=entry["status"] if entry else "",
            status_at=parse_time(at) if at else None,
        )
    return None


def _replies(ids: Sequence[str]) -> dict[str, list[Reply]]:
    found: dict[str, list[Reply]] = {}
    for out in (
        OutboxMessage.objects.filter(in_reply_to__in=ids)
        .exclude(type=SUMMARY_TYPE)
        .only("message_id", "type", "created", "in_reply_to")
    ):
        found.setdefault(str(out.in_reply_to), []).append(Reply(str(out.message_id), out.type, SENT, out.created))
    for got in (
        InboxMessage.objects.filter(in_reply_to__in=ids)
        .exclude(type=SUMMARY_TYPE)
        .only("message_id", "type", "created", "received_at", "in_reply_to")
    ):
        at = got.created or got.received_at
        found.setdefault(str(got.in_reply_to), []).append(Reply(str(got.message_id), got.type, RECEIVED, at))
    for replies in found.values():
        replies.sort(key=lambda r: r.at)
    return found


def _findings(ids: Sequence[str]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    rows = SummaryFinding.objects.filter(message_id__in=ids).select_related("summary").order_by("-summary__created")
    for row in rows:
        found.setdefault(str(row.message_id), []).append(
            Finding(row.kind, row.here, row.there, row.detail, str(row.summary.message_id), row.summary.compared_at)
        )
    return found


def _current(findings: Sequence[Finding], statement: PeerStatement | None) -> tuple[Finding, ...]:
    """What the newest summary covering the message found (older findings were superseded)."""
    if statement is None:
        return ()
    return tuple(f for f in findings if f.summary_id == statement.summary_id)


def _answered(replies: Sequence[Reply], by: str) -> Step:
    if replies:
        return Step(ANSWERED, DONE, "answered", replies[0].at, by)
    return Step(ANSWERED, NONE, "not_answered", None, by)


# --- chains -------------------------------------------------------------------------------


def _sent_chain(
    row: OutboxMessage, receipt: ReceiptFacts | None, statement: PeerStatement | None, replies: Sequence[Reply], us: str
) -> tuple[Step, ...]:
    peer = row.recipient
    submitted = Step(SUBMITTED, DONE, "submitted", row.created, us)
    status = OutboxStatus(row.status)
    if status == OutboxStatus.DELIVERED:
        delivery = Step(DELIVERY, DONE, "delivered", receipt.received if receipt else row.finished_at, peer)
    elif status == OutboxStatus.REJECTED:
        at = receipt.received if receipt else row.finished_at
        delivery = Step(DELIVERY, FAILED, "rejected", at, peer, row.last_error)
    elif status == OutboxStatus.DEAD:
        delivery = Step(DELIVERY, FAILED, "expired", row.finished_at, us, row.last_error)
    else:
        delivery = Step(DELIVERY, WAITING, "pending", None, us, row.last_error)
    if statement is None:
        acted = Step(ACTED, WAITING if status == OutboxStatus.DELIVERED else NONE, UNKNOWN, None, peer)
    elif not statement.status:
        acted = Step(ACTED, FAILED, MISSING, statement.created, peer)
    else:
        state = {
            InboxStatus.PROCESSED: DONE,
            InboxStatus.RECEIVED: WAITING,
        }.get(InboxStatus(statement.status), FAILED)
        acted = Step(ACTED, state, statement.status, statement.status_at, peer)
    return submitted, delivery, acted, _answered([r for r in replies if r.direction == RECEIVED], peer)


def _received_chain(row: InboxMessage, replies: Sequence[Reply], us: str) -> tuple[Step, ...]:
    submitted = Step(SUBMITTED, DONE, "submitted", row.created, row.sender)
    delivery = Step(DELIVERY, DONE, "accepted", row.received_at, us)
    status = InboxStatus(row.status)
    state = {InboxStatus.PROCESSED: DONE, InboxStatus.RECEIVED: WAITING}.get(status, FAILED)
    acted = Step(ACTED, state, status.value, row.processed_at, us, row.last_error)
    return submitted, delivery, acted, _answered([r for r in replies if r.direction == SENT], us)


def build(
    sent: Iterable[OutboxMessage], received: Iterable[InboxMessage], *, us: str, now: datetime | None = None
) -> dict[str, Evidence]:
    """The chain of each message, by message id (one trust list and one pass over summaries)."""
    now = now or timezone.now()
    sent, received = list(sent), list(received)
    try:
        trust_list: TrustList | None = keys.current_trust_list(now=now)
    except keys.NoTrustList:
        trust_list = None
    ids = [str(r.message_id) for r in sent] + [str(r.message_id) for r in received]
    replies = _replies(ids)
    findings = _findings(ids)
    by_peer: dict[str, list[datetime]] = {}
    for out in sent:
        by_peer.setdefault(out.recipient, []).append(out.created)
    for got in received:
        by_peer.setdefault(got.sender, []).append(got.created or got.received_at)
    summaries = {peer: _statements(peer, times) for peer, times in by_peer.items()}
    chains: dict[str, Evidence] = {}
    for out in sent:
        mid = str(out.message_id)
        receipt = _receipt(out.receipt, sent_token=out.token, receiver=out.recipient, trust_list=trust_list, now=now)
        statement = _statement(summaries[out.recipient], out.created, mid, "received")
        chains[mid] = Evidence(
            message_id=mid,
            direction=SENT,
            peer=out.recipient,
            type=out.type,
            conversation=str(out.conversation),
            created=out.created.replace(microsecond=0),
            token_sha256=protocol.token_sha256(out.token),
            steps=_sent_chain(out, receipt, statement, replies.get(mid, []), us),
            receipt=receipt,
            statement=statement,
            findings=_current(findings.get(mid, []), statement),
            replies=tuple(replies.get(mid, [])),
        )
    for got in received:
        mid = str(got.message_id)
        created = got.created or got.received_at
        statement = _statement(summaries[got.sender], created, mid, "sent")
        chains[mid] = Evidence(
            message_id=mid,
            direction=RECEIVED,
            peer=got.sender,
            type=got.type,
            conversation=str(got.conversation),
            created=created,
            token_sha256=got.token_sha256,
            steps=_received_chain(got, replies.get(mid, []), us),
            receipt=_receipt(got.receipt, sent_token=None, receiver=us, trust_list=trust_list, now=now),
            statement=statement,
            findings=_current(findings.get(mid, []), statement),
            replies=tuple(replies.get(mid, [])),
        )
    return chains


def for_conversation(conversation: Any, *, us: str, now: datetime | None = None) -> dict[str, Evidence]:
    return build(
        OutboxMessage.objects.filter(conversation=conversation),
        InboxMessage.objects.filter(conversation=conversation),
        us=us,
        now=now,
    )


def for_message(message_id: Any, *, conversation: Any, us: str, now: datetime | None = None) -> Evidence | None:
    """The chain of one message of ``conversation`` (None when the conversation holds no such message)."""
    where = Q(conversation=conversation, message_id=message_id)
    chains = build(OutboxMessage.objects.filter(where), InboxMessage.objects.filter(where), us=us, now=now)
    return chains.get(str(message_id))


@dataclass(frozen=True)
class Tally:
    """A conversation's evidence in numbers."""

    sent: int
    delivered: int
    acted_confirmed: int  # sent messages the peer's summary says it acted upon
    not_acted: int  # sent messages the peer's summary says failed, were set aside or are missing
    unreported: int  # delivered messages no summary of the peer covers yet
    received: int
    processed: int
    findings: int


def tally(chains: Iterable[Evidence]) -> Tally:
    chains = list(chains)
    sent = [c for c in chains if c.direction == SENT]
    received = [c for c in chains if c.direction == RECEIVED]
    return Tally(
        sent=len(sent),
        delivered=sum(1 for c in sent if c.step(DELIVERY).state == DONE),
        acted_confirmed=sum(1 for c in sent if c.step(ACTED).state == DONE),
        not_acted=sum(1 for c in sent if c.step(ACTED).state == FAILED),
        unreported=sum(1 for c in sent if c.step(ACTED).status == UNKNOWN and c.step(DELIVERY).state == DONE),
        received=len(received),
        processed=sum(1 for c in received if c.step(ACTED).state == DONE),
        findings=sum(1 for c in chains if c.findings),
    )


__all__ = ["Evidence", "ReceiptFacts", "Step", "build", "for_conversation", "for_message", "tally"]
