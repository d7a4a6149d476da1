"""The outbox: trm/1 messages leave this node at least once, and are never lost.

``enqueue`` builds and seals a message in the caller's transaction and stores the sealed
token; nothing touches the network there. A worker (``trm exchange worker``) ``claim``s
due rows and calls ``deliver_one`` for each: it POSTs the same token (trm/1 §3.3), checks
the receipt, and records the outcome with the state table of ``models.OUTBOX_TRANSITIONS``.

* A claim is a lease: a worker that dies mid-delivery leaves the row ``sending`` until the
  lease runs out, then another worker sends it again. The receiver is idempotent by
  message id, so a second delivery yields a ``duplicate`` receipt, never a second copy.
* Claims use ``SELECT … FOR UPDATE SKIP LOCKED`` where the database has it (PostgreSQL),
  so several workers share the queue; on SQLite one ``UPDATE`` statement claims the rows
  (SQLite serialises writers). Either way the claimed rows are found again by a random
  claim token, and every later write is conditional on that token.
* Retries wait a random time in ``[0, min(cap, base × 2^n)]`` (full jitter; the caller
  passes the random generator), at least any ``Retry-After``; a message still undelivered
  when it expires becomes ``dead`` and is logged for the operators.

No log line, error or audit entry carries a body: ids, node ids, types and codes only.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import keys, protocol, transport
from trm.exchange.errors import Code, ProtocolError
from trm.exchange.messages import Handling, message_from_envelope
from trm.exchange.models import OUTBOX_TRANSITIONS, OutboxMessage, OutboxStatus, next_status

logger = logging.getLogger("trm.exchange.outbox")

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
LEASE = timedelta(minutes=2)


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
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lte=now
    )


def claim(batch: int = 20, *, now: datetime, lease: timedelta = LEASE) -> list[OutboxMessage]:
    """Take up to ``batch`` due messages for this worker (status ``sending``, leased)."""
    claim_token = uuid.uuid4()
    changes = {"status": OutboxStatus.SENDING, "lease_until": now + lease, "claim_token": claim_token, "updated": now}
    due = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:batch])
            if not ids:
                return []
            OutboxMessage.objects.filter(id__in=ids).update(**changes)
        else:
            OutboxMessage.objects.filter(_due(now), id__in=Subquery(due.values("id")[:batch])).update(**changes)
    return list(OutboxMessage.objects.filter(claim_token=claim_token).order_by("next_attempt_at", "id"))


# --- delivering -------------------------------------------------------------------------


def backoff(
    attempts: int, rng: random.Random, *, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY
) -> timedelta:
    """Full jitter: a random wait in [0, min(cap, base × 2^attempts)]."""
    ceiling = min(cap.total_seconds(), base.total_seconds() * 2 ** min(attempts, 32))
    return timedelta(seconds=rng.uniform(0, ceiling))


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""


def _write(row: OutboxMessage, event: str, now: datetime, **changes: Any) -> bool:
    """Apply ``event`` to a row we hold the claim of; False when another worker took it over."""
    status = next_status(OUTBOX_TRANSITIONS, row.status, event)
    changes.update(status=status, updated=now, lease_until=None, claim_token=None)
    if status != OutboxStatus.PENDING:
        changes["finished_at"] = now
    with transaction.atomic():
        won = OutboxMessage.objects.filter(pk=row.pk, claim_token=row.claim_token).update(**changes) == 1
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
    base: timedelta
    cap: timedelta


def _retry(
    row: OutboxMessage,
    reason: str,
    *,
    now: datetime,
    rng: random.Random,
    retry_after: float | None = None,
    slow: bool = False,
    base: timedelta = BASE_DELAY,
    cap: timedelta = MAX_DELAY,
) -> Outcome:
    attempts = row.attempts + 1
    delay = cap if slow else backoff(attempts, rng, base=base, cap=cap)
    if retry_after is not None:
        delay = max(delay, min(timedelta(seconds=retry_after), cap))
    next_at = min(now + delay, row.expires)
    _write(row, "retry", now, attempts=attempts, next_attempt_at=next_at, last_error=reason[:64])
    logger.info("outbox retry message=%s to=%s attempt=%d reason=%s", row.message_id, row.recipient, attempts, reason)
    return Outcome(OutboxStatus.PENDING, reason)


def deliver_one(
    row: OutboxMessage,
    *,
    client: httpx.Client,
    now: datetime,
    rng: random.Random,
    base: timedelta = BASE_DELAY,
    cap: timedelta = MAX_DELAY,
) -> Outcome:
    """One delivery attempt of a claimed row; records and returns the outcome."""
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
    retry: _RetryClock = {"now": now, "rng": rng, "base": base, "cap": cap}
    try:
        trust_list = keys.current_trust_list(now=now)
        url = trust_list.node(row.recipient, at=now).inbox_url
    except keys.NoTrustList:
        return _retry(row, "no_trust_list", **retry)
    except ProtocolError as err:
        return _retry(row, str(err.code), **retry)
    try:
        receipt_token = transport.post(client, url, row.token)
    except transport.DeliveryError as err:
        return _retry(row, err.reason, retry_after=err.retry_after, slow=not err.retryable, **retry)
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


def deliver_due(
    *,
    client: httpx.Client,
    rng: random.Random,
    batch: int = 20,
    clock: Any = timezone.now,
    base: timedelta = BASE_DELAY,
    cap: timedelta = MAX_DELAY,
) -> list[Outcome]:
    """Claim one batch of due messages and deliver each (one worker pass)."""
    outcomes = []
    for row in claim(batch, now=clock()):
        outcomes.append(deliver_one(row, client=client, now=clock(), rng=rng, base=base, cap=cap))
    return outcomes
