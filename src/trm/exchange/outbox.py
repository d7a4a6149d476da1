"""The outbox: trm/1 messages leave this node at least once, and are never lost.

``enqueue`` builds and seals a message in the caller's transaction and stores the sealed
token; nothing touches the network there. A worker (``trm exchange worker``, ``worker.py``)
``claim``s due rows and calls ``deliver_one`` for each: it POSTs the same token (trm/1
§3.3), checks the receipt, and records the outcome with the state table of
``models.OUTBOX_TRANSITIONS``.

* A claim is a short lease (``LEASE``, 10 s) that the worker renews while it works
  (``renew``): a worker killed mid-delivery leaves its rows ``sending`` for at most one
  lease, then another worker (or its own restart) sends them again. The receiver is
  idempotent by message id, so a second delivery yields a ``duplicate`` receipt, never a
  second copy.
* Claims use ``SELECT … FOR UPDATE SKIP LOCKED`` where the database has it (PostgreSQL),
  so several workers share the queue; on SQLite one ``UPDATE`` statement claims the rows
  (SQLite serialises writers). Either way the claimed rows are found again by a random
  claim token, and every later write is conditional on that token.
* **Order.** A message is due only when every earlier message of its conversation has
  left (``delivered``, ``rejected`` or ``dead``): a conversation's messages arrive in the
  order they were sent, whatever failed in between.
* **Failures of the peer and of the message are told apart.** A refused connection, a
  time-out, ``408``/``425``/``429`` or a ``5xx`` is the peer's: the peer gets a short
  jittered exponential back-off (``OutboxPeer``: from ``PEER_BASE_DELAY``, 0.5 s, doubling
  to ``PEER_MAX_DELAY``, 30 s, at least any ``Retry-After``), nothing else is sent to it
  meanwhile, the next attempt probes it with one message, and the first valid receipt
  clears it: the queue leaves within seconds of the peer's return. Anything else (a
  receipt that does not verify, a recipient missing from the trust list) is the
  message's: it waits a random time in ``[0, min(cap, base × 2^n)]`` (full jitter), and a
  status without a receipt (``404`` …, a configuration problem) the slowest pace.
  A message still undelivered when it expires becomes ``dead`` and is logged for the
  operators.

No log line, error or audit entry carries a body: ids, node ids, types and codes only.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from trm.audit.events import Action
from trm.audit.record import Entry as AuditEntry
from trm.audit.record import record, record_many
from trm.exchange import keys, protocol, transport
from trm.exchange.errors import Code, ProtocolError
from trm.exchange.messages import Handling, message_from_envelope
from trm.exchange.models import OUTBOX_TRANSITIONS, OutboxMessage, OutboxPeer, OutboxStatus, next_status
from trm.exchange.trustlist import TrustList

logger = logging.getLogger("trm.exchange.outbox")

# The back-off of one message whose delivery failed for a reason of its own.
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# The back-off of a peer that refused, timed out or answered 5xx.
PEER_BASE_DELAY = timedelta(seconds=0.5)
PEER_MAX_DELAY = timedelta(seconds=30)
LEASE = timedelta(seconds=10)
UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def enqueue(
    type_: str,
    *,
    recipient: str,
    body: Mapping[str, Any],
    purpose: str,
    legal_basis: str,
    by: Any = None,
    now: datetime | None = None,
    conversation: uuid.UUID | str | None = None,
    in_reply_to: uuid.UUID | str | None = None,
    consent_ref: str | None = None,
    best_interests_ref: str | None = None,
    handling: Handling = protocol.DEFAULT_HANDLING,
    ttl: timedelta = protocol.DEFAULT_TTL,
) -> OutboxMessage:
    """Build, seal and store a message for ``recipient``; it leaves with the next worker pass.

    ``by`` is the user the audit entry names, or None for a message the node sends by
    itself. The outbox checks no user's role: whoever calls it (the transnational verbs)
    has checked the actor already. Raises ``LocalProtocolError`` when the protocol
    forbids the message (the code says why), ``keys.NoTrustList`` or ``keys.NoKeys``.
    """
    now = now or timezone.now()
    trust_list = keys.current_trust_list(now=now)
    message = protocol.build(
        type_,
        sender=settings.TRM_NODE_ID,
        recipient=recipient,
        body=body,
        message_id=uuid.uuid4(),
        conversation=conversation or uuid.uuid4(),
        now=now,
        purpose=purpose,
        legal_basis=legal_basis,
        consent_ref=consent_ref,
        best_interests_ref=best_interests_ref,
        in_reply_to=in_reply_to,
        handling=handling,
        ttl=ttl,
    )
    sender_key = keys.signing_key(now=now, trust_list=trust_list)
    token = protocol.seal_for(message, sender_key=sender_key, trust_list=trust_list, now=now)
    with transaction.atomic():
        row = OutboxMessage(
            message_id=message.id,
            recipient=message.recipient,
            type=message.type,
            conversation=message.conversation,
            in_reply_to=message.in_reply_to,
            envelope=message.to_envelope(),
            token=token,
            expires=message.expires,
            next_attempt_at=now,
            created=now,
            updated=now,
        )
        row.save(force_insert=True)
        record(by, Action.SEND, row, object_type="exchange.outboxmessage", note=f"queued {message.type}")
    return row


# --- claiming ---------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    earlier_unfinished = OutboxMessage.objects.filter(
        conversation=OuterRef("conversation"), id__lt=OuterRef("id"), status__in=UNFINISHED
    )
    peer_waits = OutboxPeer.objects.filter(node_id=OuterRef("recipient"), retry_at__gt=now)
    ready = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lte=now
    )
    # An expired message is taken at once to be marked dead, whatever waits before it.
    expired = Q(status=OutboxStatus.PENDING, expires__lte=now)
    return (ready & ~Exists(earlier_unfinished) & ~Exists(peer_waits)) | expired


def claim(
    batch: int = 20,
    *,
    now: datetime,
    lease: timedelta = LEASE,
    recipient: str | None = None,
    conversation: uuid.UUID | None = None,
    claim_token: uuid.UUID | None = None,
) -> list[OutboxMessage]:
    """Take up to ``batch`` due messages for this worker (``sending``, leased).

    ``recipient`` and ``conversation`` narrow the choice to one peer or one conversation;
    ``claim_token`` adds the rows to a claim this worker holds (and renews) already.
    """
    claim_token = claim_token or uuid.uuid4()
    changes = {"status": OutboxStatus.SENDING, "lease_until": now + lease, "claim_token": claim_token, "updated": now}
    due = OutboxMessage.objects.filter(_due(now))
    if recipient is not None:
        due = due.filter(recipient=recipient)
    if conversation is not None:
        due = due.filter(conversation=conversation)
    due = due.order_by("next_attempt_at", "id")
    with transaction.atomic():
        # SQLite: the transaction holds the write lock from its start (transaction_mode
        # IMMEDIATE), so nobody claims between the read and the update; the update's own
        # condition would still refuse a row claimed meanwhile.
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:batch])
        if not ids:
            return []
        free = Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING, lease_until__lte=now)
        OutboxMessage.objects.filter(free, id__in=ids).update(**changes)
    return list(OutboxMessage.objects.filter(id__in=ids, claim_token=claim_token).order_by("next_attempt_at", "id"))


def claim_per_peer(
    batch: int = 20,
    *,
    now: datetime,
    peers: int,
    busy: Collection[str] = (),
    lease: timedelta = LEASE,
    held: Mapping[str, int] | None = None,
    per_peer: int = 1,
) -> list[list[OutboxMessage]]:
    """One claim for each of up to ``peers`` peers with due messages, longest waiting first.

    Peers in ``busy``, and peers this worker already delivers to in ``per_peer`` lanes
    (``held``: lanes per peer), are left out. A peer that failed last time is probed with
    one message, in one lane, rather than a batch. Claims to one peer never share a
    conversation: a message is due only once the earlier ones of its conversation left.
    """
    held = held or {}
    full = {peer for peer, lanes in held.items() if lanes >= per_peer}
    waiting = (
        OutboxMessage.objects.filter(_due(now))
        .exclude(recipient__in=list({*busy, *full}))
        .values("recipient")
        .annotate(first=Min("next_attempt_at"), due=Count("id"))
        .order_by("first", "recipient")
    )
    due = {r["recipient"]: r["due"] for r in waiting[:peers]}
    if not due:
        return []
    failing = set(OutboxPeer.objects.filter(node_id__in=list(due), failures__gt=0).values_list("node_id", flat=True))
    # The end of a queue is shared among the peer's lanes (what is due, divided by its lanes)
    # rather than left to one lane's full batch while the others stand idle.
    claims = [
        claim(1 if r in failing else max(1, min(batch, -(-n // per_peer))), now=now, lease=lease, recipient=r)
        for r, n in due.items()
        if not (r in failing and held.get(r, 0))
    ]
    return [rows for rows in claims if rows]


def renew(claim_tokens: Collection[uuid.UUID], *, now: datetime, lease: timedelta = LEASE) -> int:
    """Extend the lease of the rows still held under these claims (the worker's heartbeat)."""
    if not claim_tokens:
        return 0
    held = OutboxMessage.objects.filter(claim_token__in=list(claim_tokens), status=OutboxStatus.SENDING)
    return int(held.update(lease_until=now + lease))


# --- delivering -------------------------------------------------------------------------


def backoff(
    attempts: int, rng: random.Random, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY
) -> timedelta:
    """Full jitter: a random wait in [0, min(cap, base × 2^attempts)]."""
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** min(attempts, 32))
    return timedelta(seconds=rng.uniform(0, ceiling))


def peer_backoff(
    failures: int, rng: random.Random, *, base: timedelta = PEER_BASE_DELAY, cap: timedelta = PEER_MAX_DELAY
) -> timedelta:
    """Equal jitter: a random wait in [c/2, c], c = min(cap, base × 2^(failures − 1)).

    Short at first (a peer restarting is back within seconds), never zero (two workers
    do not probe a dead peer in a tight loop), and bounded by ``cap``, which is how late
    the queue notices a peer that was down for long.
    """
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** min(max(failures - 1, 0), 32))
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


@dataclass(frozen=True)
class Pacing:
    """How long to wait after a failure: of one message (``base``, ``cap``) and of a peer."""

    base: timedelta = BASE_DELAY
    cap: timedelta = MAX_DELAY
    peer_base: timedelta = PEER_BASE_DELAY
    peer_cap: timedelta = PEER_MAX_DELAY


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""
    # The peer itself failed (refused, timed out, 5xx): it is in back-off.
    peer_down: bool = False


def _write(row: OutboxMessage, event: str, now: datetime, **changes: Any) -> bool:
    """Apply ``event`` to a row we hold the claim of; False when another worker took it over."""
    status = next_status(OUTBOX_TRANSITIONS, row.status, event)
    changes.update(status=status, updated=now, lease_until=None, claim_token=None)
    if status != OutboxStatus.PENDING:
        changes["finished_at"] = now
    with transaction.atomic():
        won = OutboxMessage.objects.filter(pk=row.pk, claim_token=row.claim_token).update(**changes) == 1
        if won and status == OutboxStatus.DELIVERED:
            # A valid receipt: the peer is back, its whole queue may leave.
            OutboxPeer.objects.filter(node_id=row.recipient, failures__gt=0).update(
                failures=0, retry_at=None, last_error="", updated=now
            )
        if won and status in (OutboxStatus.DELIVERED, OutboxStatus.REJECTED, OutboxStatus.DEAD):
            note = status if not changes.get("last_error") else f"{status}: {changes['last_error']}"
            record(None, Action.SEND, row, object_type="exchange.outboxmessage", note=note)
    if won:
        for name, value in changes.items():
            setattr(row, name, value)
    return won


class _RetryClock(TypedDict):
    """What every retry of one delivery attempt shares: its time, randomness and delays."""

    now: datetime
    rng: random.Random
    pacing: Pacing


def _retry(
    row: OutboxMessage,
    reason: str,
    *,
    now: datetime,
    rng: random.Random,
    pacing: Pacing,
    slow: bool = False,
) -> Outcome:
    """A failure of this message: it waits on its own back-off; other messages to the peer go on."""
    attempts = row.attempts + 1
    delay = pacing.cap if slow else backoff(attempts, rng, base=pacing.base, cap=pacing.cap)
    next_at = min(now + delay, row.expires)
    _write(row, "retry", now, attempts=attempts, next_attempt_at=next_at, last_error=reason[:64])
    logger.info("outbox retry message=%s to=%s attempt=%d reason=%s", row.message_id, row.recipient, attempts, reason)
    return Outcome(OutboxStatus.PENDING, reason)


def note_peer_failure(
    node_id: str,
    reason: str,
    *,
    now: datetime,
    rng: random.Random,
    pacing: Pacing = Pacing(),
    retry_after: float | None = None,
) -> datetime:
    """Record that ``node_id`` failed; returns when to try it again.

    A failure seen while the peer is already waiting (another lane or worker found it down
    in the same window) does not lengthen the wait: the back-off grows once per probe.
    """
    with transaction.atomic():
        peer, _ = OutboxPeer.objects.select_for_update().get_or_create(node_id=node_id)
        if peer.retry_at is not None and peer.retry_at > now:
            return peer.retry_at
        peer.failures += 1
        delay = peer_backoff(peer.failures, rng, base=pacing.peer_base, cap=pacing.peer_cap)
        if retry_after is not None:
            delay = max(delay, min(timedelta(seconds=retry_after), pacing.cap))
        peer.retry_at, peer.last_error, peer.updated = now + delay, reason[:64], now
        peer.save(update_fields=["failures", "retry_at", "last_error", "updated"])
    if peer.failures == 1:
        logger.warning("outbox peer=%s failed reason=%s: waiting %.1f s", node_id, reason, delay.total_seconds())
    return peer.retry_at


def _peer_down(
    row: OutboxMessage,
    reason: str,
    *,
    now: datetime,
    rng: random.Random,
    pacing: Pacing,
    retry_after: float | None = None,
) -> Outcome:
    """A failure of the peer: the peer backs off, and this message waits for the peer only."""
    attempts = row.attempts + 1
    retry_at = note_peer_failure(row.recipient, reason, now=now, rng=rng, pacing=pacing, retry_after=retry_after)
    _write(row, "retry", now, attempts=attempts, next_attempt_at=min(retry_at, row.expires), last_error=reason[:64])
    logger.info("outbox retry message=%s to=%s attempt=%d reason=%s", row.message_id, row.recipient, attempts, reason)
    return Outcome(OutboxStatus.PENDING, reason, peer_down=True)


def deliver_one(
    row: OutboxMessage,
    *,
    client: httpx.Client,
    now: datetime,
    rng: random.Random,
    base: timedelta = BASE_DELAY,
    cap: timedelta = MAX_DELAY,
    pacing: Pacing | None = None,
    trust_list: TrustList | None = None,
    delivered: list[_Delivered] | None = None,
) -> Outcome:
    """One delivery attempt of a claimed row; records and returns the outcome.

    ``pacing`` (or ``base`` and ``cap`` alone, for the message's own back-off) sets the waits.
    ``trust_list`` is the current list when the caller read it already. With ``delivered``,
    a verified ``accepted`` or ``duplicate`` receipt is appended there for the caller to
    record (``record_delivered``) rather than recorded here; every other outcome is
    recorded at once.
    """
    if row.status != OutboxStatus.SENDING or row.claim_token is None:
        raise ValueError("deliver_one needs a row returned by claim")
    if now >= row.expires:
        _write(row, "expire", now, last_error="expired")
        logger.warning(
            "outbox gave up message=%s to=%s attempts=%d: expired undelivered",
            row.message_id,
            row.recipient,
            row.attempts,
        )
        return Outcome(OutboxStatus.DEAD, "expired")
    retry: _RetryClock = {"now": now, "rng": rng, "pacing": pacing or Pacing(base=base, cap=cap)}
    try:
        trust_list = trust_list or keys.current_trust_list(now=now)
        url = trust_list.node(row.recipient, at=now).inbox_url
    except keys.NoTrustList:
        return _retry(row, "no_trust_list", **retry)
    except ProtocolError as err:
        return _retry(row, str(err.code), **retry)
    try:
        receipt_token = transport.post(client, url, row.token)
    except transport.DeliveryError as err:
        if err.retryable:
            return _peer_down(row, err.reason, retry_after=err.retry_after, **retry)
        return _retry(row, err.reason, slow=True, **retry)
    try:
        receipt = protocol.verify_receipt(
            receipt_token,
            sent_token=row.token,
            receiver=row.recipient,
            trust_list=trust_list,
            now=now,
            message_id=str(row.message_id),
        )
    except ProtocolError as err:
        return _retry(row, f"receipt_{err.code}", **retry)
    attempts = row.attempts + 1
    if receipt.status in ("accepted", "duplicate"):
        if delivered is not None:
            delivered.append(_Delivered(row, receipt_token, now, row.claim_token))
            return Outcome(OutboxStatus.DELIVERED)
        _write(row, "delivered", now, attempts=attempts, receipt=receipt_token, last_error="")
        logger.info("outbox delivered message=%s to=%s attempts=%d", row.message_id, row.recipient, attempts)
        return Outcome(OutboxStatus.DELIVERED)
    code = receipt.code or "rejected"
    if code == Code.UNKNOWN_RECIPIENT_KEY and not row.resealed:
        return _reseal(row, now=now, trust_list=trust_list, attempts=attempts)
    _write(row, "rejected", now, attempts=attempts, receipt=receipt_token, last_error=code[:64])
    logger.warning("outbox rejected message=%s to=%s code=%s", row.message_id, row.recipient, code)
    return Outcome(OutboxStatus.REJECTED, code)


def _reseal(row: OutboxMessage, *, now: datetime, trust_list: Any, attempts: int) -> Outcome:
    """trm/1 §3.3: on ``unknown_recipient_key``, seal the same envelope to the newest key, once."""
    message = message_from_envelope(row.envelope)
    try:
        sender_key = keys.signing_key(now=message.created, trust_list=trust_list)
        token = protocol.seal_for(message, sender_key=sender_key, trust_list=trust_list, now=now)
    except (ProtocolError, keys.NoKeys) as err:
        code = str(getattr(err, "code", "no_keys"))
        _write(row, "rejected", now, attempts=attempts, last_error=code[:64])
        return Outcome(OutboxStatus.REJECTED, code)
    _write(
        row,
        "retry",
        now,
        attempts=attempts,
        token=token,
        resealed=True,
        next_attempt_at=now,
        last_error=str(Code.UNKNOWN_RECIPIENT_KEY),
    )
    return Outcome(OutboxStatus.PENDING, str(Code.UNKNOWN_RECIPIENT_KEY))


def release(row: OutboxMessage, *, now: datetime, at: datetime | None = None) -> bool:
    """Give a claimed row back without an attempt (due at ``at``, default now)."""
    return _write(row, "release", now, next_attempt_at=min(at or now, row.expires))


def _has_next(row: OutboxMessage) -> bool:
    """Whether a later message of the row's conversation waits: a read, so that a message
    alone in its conversation (most are) costs no claim, which takes SQLite's write lock."""
    later = OutboxMessage.objects.filter(conversation=row.conversation, id__gt=row.pk, status=OutboxStatus.PENDING)
    return bool(later.exists())


@dataclass(frozen=True)
class _Delivered:
    """A verified receipt not yet recorded: its row still says ``sending``, under our claim."""

    row: OutboxMessage
    receipt: str
    at: datetime
    claim_token: uuid.UUID  # ours: the row's own is cleared once recorded


# A lane records its verified receipts together: after this many, after this many
# seconds since the oldest, and when its batch ends (whatever happens).
RECORD_EVERY = 20
RECORD_AFTER = 0.5


def record_delivered(delivered: list[_Delivered]) -> list[_Delivered]:
    """Record verified receipts in one transaction; those recorded (the rows we still held).

    The same writes as one ``deliver_one`` each (each row conditional on our claim, one
    audit entry per message, the peer cleared), under one commit and one lock of the
    audit chain's head. A row another worker took over meanwhile is left to it: that
    worker sends it again and the receiver answers ``duplicate``.
    """
    if not delivered:
        return []
    won: list[tuple[_Delivered, dict[str, Any]]] = []
    with transaction.atomic():
        for done in delivered:
            row = done.row
            changes: dict[str, Any] = {
                "status": next_status(OUTBOX_TRANSITIONS, row.status, "delivered"),
                "updated": done.at,
                "finished_at": done.at,
                "lease_until": None,
                "claim_token": None,  # nosec B105 - the lease is cleared; no password
                "attempts": row.attempts + 1,
                "receipt": done.receipt,
                "last_error": "",
            }
            if OutboxMessage.objects.filter(pk=row.pk, claim_token=done.claim_token).update(**changes) == 1:
                won.append((done, changes))
        if won:
            # Valid receipts: the peer is back, its whole queue may leave.
            OutboxPeer.objects.filter(node_id__in={done.row.recipient for done, _ in won}, failures__gt=0).update(
                failures=0, retry_at=None, last_error="", updated=won[-1][0].at
            )
            record_many(
                [
                    AuditEntry(Action.SEND, done.row, object_type="exchange.outboxmessage", note=OutboxStatus.DELIVERED)
                    for done, _ in won
                ]
            )
    for done, changes in won:
        for name, value in changes.items():
            setattr(done.row, name, value)
        logger.info(
            "outbox delivered message=%s to=%s attempts=%d", done.row.message_id, done.row.recipient, done.row.attempts
        )
    return [done for done, _ in won]


def _next_of(recorded: list[_Delivered], *, now: datetime, lease: timedelta) -> list[OutboxMessage]:
    """The next message of each of these messages' conversations, now due, added to our claim."""
    if not recorded:
        return []
    rows = [done.row for done in recorded]
    tokens = {done.row.pk: done.claim_token for done in recorded}
    waiting = set(
        OutboxMessage.objects.filter(
            conversation__in={row.conversation for row in rows}, status=OutboxStatus.PENDING
        ).values_list("conversation", flat=True)
    )
    claimed: list[OutboxMessage] = []
    for row in rows:
        if row.conversation in waiting:
            waiting.discard(row.conversation)
            claimed += claim(1, now=now, lease=lease, conversation=row.conversation, claim_token=tokens[row.pk])
    return claimed


def _trust_list_or_none(now: datetime) -> TrustList | None:
    try:
        return keys.current_trust_list(now=now)
    except keys.NoTrustList:
        return None  # ``deliver_one`` reads it again and retries the message


def deliver_batch(
    rows: list[OutboxMessage],
    *,
    client: httpx.Client,
    rng: random.Random,
    clock: Callable[[], datetime] = timezone.now,
    pacing: Pacing = Pacing(),
    stop: Callable[[], bool] = lambda: False,
    lease: timedelta = LEASE,
) -> list[Outcome]:
    """Deliver claimed rows in order; the outcomes of the attempts made.

    Verified receipts are recorded together (``record_delivered``: every ``RECORD_EVERY``
    messages or ``RECORD_AFTER`` seconds, and when the batch ends); the trust list is read
    again each time. A message stays ``sending`` until then, so the next message of its
    conversation is not due before it is recorded: once recorded, the next of each
    conversation is claimed and sent in this pass, so a conversation's burst leaves in one
    pass. Once a peer fails, the rest of its rows go back without an attempt, due when the
    peer is (a batch to a dead peer costs one time-out, not one per message); once
    ``stop()`` is true, every row left goes back, due now, for the next worker.
    """
    outcomes: list[Outcome] = []
    down: dict[str, datetime] = {}
    work = deque(rows)
    delivered: list[_Delivered] = []
    oldest: float | None = None  # monotonic time of the oldest receipt not yet recorded
    trust_list = _trust_list_or_none(clock())
    try:
        while work:
            row = work.popleft()
            if stop() or row.recipient in down:
                release(row, now=clock(), at=down.get(row.recipient))
            else:
                token = row.claim_token
                outcome = deliver_one(
                    row, client=client, now=clock(), rng=rng, pacing=pacing, trust_list=trust_list, delivered=delivered
                )
                outcomes.append(outcome)
                if outcome.peer_down:
                    down[row.recipient] = row.next_attempt_at
                elif outcome.status == OutboxStatus.REJECTED and not stop() and _has_next(row):
                    work.extendleft(
                        claim(1, now=clock(), lease=lease, conversation=row.conversation, claim_token=token)
                    )
            if delivered and oldest is None:
                oldest = time.monotonic()
            if oldest is not None and (
                not work or len(delivered) >= RECORD_EVERY or time.monotonic() - oldest >= RECORD_AFTER
            ):
                recorded = record_delivered(delivered)
                delivered, oldest = [], None
                trust_list = _trust_list_or_none(clock())
                if not stop():
                    work.extend(_next_of(recorded, now=clock(), lease=lease))
    finally:
        record_delivered(delivered)
    return outcomes


def deliver_due(
    *,
    client: httpx.Client,
    rng: random.Random,
    batch: int = 20,
    clock: Callable[[], datetime] = timezone.now,
    base: timedelta = BASE_DELAY,
    cap: timedelta = MAX_DELAY,
    pacing: Pacing | None = None,
) -> list[Outcome]:
    """Claim one batch of due messages and deliver each, here and in order (one worker pass)."""
    rows = claim(batch, now=clock())
    return deliver_batch(rows, client=client, rng=rng, clock=clock, pacing=pacing or Pacing(base=base, cap=cap))
