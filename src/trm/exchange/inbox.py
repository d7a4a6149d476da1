"""The inbox: every trm/1 token a peer POSTs is answered with a signed receipt.

``receive`` opens the token with our keys, the current trust list and the record of ids
already stored (``InboxMessage``), then stores the message and its ``accepted`` receipt in
one transaction with the audit entry: once the sender holds ``accepted``, the message
exists here, and a message either exists whole or not at all.

* An id already accepted from the same sender is answered ``200`` with a fresh
  ``duplicate`` receipt, whether the token is byte for byte the same (a sender retrying
  after a lost answer) or not (trm/1 §3.4). Ids are unique per sender, so the same id
  from another sender is another message. The replay check is the insert itself: the
  unique (sender, id) pair refuses a second copy, so no read precedes it and two requests
  racing with one id cannot both store it.
* A refused token is answered with its code's HTTP status and a signed ``rejected``
  receipt (``receipt_for_error``). Refusals of senders whose signature verified (the
  message id is known) are audited; the rest (anyone can POST noise) are only logged.
* Without keys or a current trust list the inbox answers ``503`` without a receipt, and
  the sender retries later.

Processing is separate from receipt: handlers registered with ``register_handler`` run in
the worker (``process_received``), one message per transaction with its status change, so
a slow or failing handler never makes a sender retry or lose a message.

* A handler that hits a passing database error (``is_transient``: SQLite's "database is
  locked", a PostgreSQL serialisation failure, deadlock or terminated connection, an
  interface error) has its writes undone and the message stays ``received``, tried again
  after a jittered back-off (``RETRY_BASE`` doubling to ``RETRY_CAP``), counting
  ``attempts``; after ``MAX_ATTEMPTS`` it is ``failed``.
* Any other exception leaves the message ``failed`` at once, with the exception's class
  name (never its text). A handler refusing a message it cannot apply (``Unprocessable``,
  e.g. a conversation unknown here) leaves it ``unhandled`` with a short reason, audited.
  ``retry`` runs either again, with a fresh count of attempts.
* **Order.** A message waits while an earlier message of its conversation from the same
  sender is still ``received`` (deferred, or in another worker's hands): a conversation's
  messages are applied in the order they arrived.
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import jose, keys, protocol
from trm.exchange.errors import Code, ProtocolError, RemoteProtocolError
from trm.exchange.messages import MESSAGE_TYPES, Message
from trm.exchange.models import INBOX_TRANSITIONS, InboxMessage, InboxStatus, next_status

logger = logging.getLogger("trm.exchange.inbox")

MAX_BYTES = protocol.DEFAULT_MAX_BYTES

Handler = Callable[[InboxMessage], None]
_handlers: dict[str, Handler] = {}


def register_handler(type_: str, handler: Handler) -> None:
    """Process received messages of ``type_`` with ``handler`` (one per type)."""
    if type_ not in MESSAGE_TYPES:
        raise ValueError(f"{type_} is not a trm/1 message type")
    existing = _handlers.get(type_)
    if existing is not None and existing is not handler:
        raise ValueError(f"a handler for {type_} is already registered")
    _handlers[type_] = handler


def unregister_handler(type_: str) -> None:
    _handlers.pop(type_, None)


class Unavailable(Exception):
    """The inbox cannot decide now (no keys or no current trust list): answer 503."""


@dataclass(frozen=True)
class Answer:
    status: int
    receipt: str


def where(err: BaseException) -> str:
    """Where an exception came from (file:line list): logged instead of its text."""
    return ", ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in traceback.extract_tb(err.__traceback__))


def _refuse(token: bytes, err: ProtocolError, *, key: jose.PrivateKey, now: datetime) -> Answer:
    receipt = protocol.receipt_for_error(token, err, receiver=settings.TRM_NODE_ID, key=key, now=now)
    return Answer(err.http_status, receipt)


def refuse_unread(err: ProtocolError, *, now: datetime | None = None) -> Answer:
    """A signed refusal for a body we did not read (longer than the limit plus the slack
    of trm/1 §3.1): it quotes the SHA-256 of the empty string, as §8.1 asks."""
    now = now or timezone.now()
    try:
        key = keys.signing_key(now=now, trust_list=keys.current_trust_list(now=now))
    except (keys.NoTrustList, keys.NoKeys) as exc:
        raise Unavailable(type(exc).__name__) from exc
    logger.info("inbox refused code=%s (body not read)", err.code)
    return _refuse(b"", err, key=key, now=now)


def receive(token: bytes, *, now: datetime | None = None) -> Answer:
    """Open, store and acknowledge one token; raises only ``Unavailable`` (and DatabaseError)."""
    now = now or timezone.now()
    try:
        trust_list = keys.current_trust_list(now=now)
        our_keys, receipt_key = keys.receiving_keys(now=now, trust_list=trust_list)
    except (keys.NoTrustList, keys.NoKeys) as err:
        raise Unavailable(type(err).__name__) from err
    try:
        # The replay check (trm/1 §7 check 30, the last) is the insert's unique (sender,
        # id) below: no read before it, and two racing requests cannot both store an id.
        message = protocol.open_(
            token, our_node_id=settings.TRM_NODE_ID, our_keys=our_keys, trust_list=trust_list, now=now, seen=()
        )
    except ProtocolError as err:
        _note_refusal(err)
        return _refuse(token, err, key=receipt_key, now=now)
    receipt = protocol.receipt_for(message, key=receipt_key, now=now)
    try:
        _store(message, receipt, now=now)
    except IntegrityError:
        # This sender's id is stored already: a retry, or a request racing with this one.
        replayed = RemoteProtocolError(Code.REPLAYED, "message id already received", message_id=message.id)
        logger.info("inbox duplicate message=%s", message.id)
        return _refuse(token, replayed, key=receipt_key, now=now)
    if settings.TRM_EXCHANGE_PAUSE_AFTER_STORE:
        time.sleep(settings.TRM_EXCHANGE_PAUSE_AFTER_STORE)  # test-only: a crash window after commit
    return Answer(200, receipt)


@transaction.atomic
def _store(message: Message, receipt: str, *, now: datetime) -> InboxMessage:
    row = InboxMessage(
        message_id=message.id,
        sender=message.sender,
        sender_kid=message.sender_kid or "",
        type=message.type,
        conversation=message.conversation,
        in_reply_to=message.in_reply_to,
        expires=message.expires,
        created=message.created,
        envelope=message.to_envelope(),
        token_sha256=message.token_sha256 or "",
        receipt=receipt,
        received_at=now,
    )
    # The insert comes first: on SQLite it takes the write lock before anything is read.
    row.save(force_insert=True)
    record(None, Action.RECEIVE, row, object_type="exchange.inboxmessage", note=f"{message.type} from {message.sender}")
    logger.info("inbox accepted message=%s from=%s type=%s", message.id, message.sender, message.type)
    return row


def _note_refusal(err: ProtocolError) -> None:
    logger.info("inbox refused code=%s message=%s", err.code, err.message_id or "-")
    if err.message_id is None:
        return
    # The signature verified: an identified peer sent a message we refuse.
    with transaction.atomic():
        record(
            None,
            Action.REFUSED,
            object_type="exchange.inboxmessage",
            object_ref=err.message_id,
            note=f"refused: {err.code}",
        )


# --- processing -------------------------------------------------------------------------

# Why a message was set aside as ``unhandled`` when no handler exists for its type.
NO_HANDLER = "no_handler"
# The states from which a person or ``trm exchange retry`` may run a message again.
RETRYABLE = (InboxStatus.FAILED, InboxStatus.UNHANDLED)


# Why a handler set a message aside, in words, by the code it gave, and the names of the
# message types (``explain``): the page of messages not processed shows these, never a code.
# They live here, beside ``register_handler``, so that any part handling messages may
# register them without importing the part that shows them.
_REASONS: dict[str, Any] = {}
_TYPE_LABELS: dict[str, Any] = {}


def explain(*, code: str | None = None, reason: Any = None, type_: str | None = None, label: Any = None) -> None:
    """Say (a lazy translation) why a handler raises ``Unprocessable(code)``, or name a message type."""
    if code is not None:
        _REASONS[code] = reason
    if type_ is not None:
        _TYPE_LABELS[type_] = label


def explanation(code: str | None) -> Any | None:
    """The words registered for a handler's code, or None."""
    return _REASONS.get(code) if code else None


def type_label(type_: str) -> Any | None:
    """The name registered for a message type, or None."""
    return _TYPE_LABELS.get(type_)


class Unprocessable(Exception):
    """Raised by a handler for a message it will not apply, e.g. about a conversation unknown here.

    ``code`` is a short fixed reason without personal data. The handler's writes are undone,
    the message is kept ``unhandled`` with the code as its reason, and the refusal is audited.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# How often a handler meets a passing database error before its message is ``failed``,
# and the waits in between (about two minutes in all).
MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(seconds=1)
RETRY_CAP = timedelta(minutes=1)


def is_transient(err: BaseException) -> bool:
    """A database error that a later run may not meet: a lock, a lost connection, a conflict.

    Django raises ``OperationalError`` for SQLite's "database is locked" and PostgreSQL's
    serialisation failures, deadlocks, lock time-outs and terminated connections, and
    ``InterfaceError`` for a connection already closed; a handler's own exception raised
    ``from`` one of them counts too.
    """
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OperationalError | InterfaceError):
            return True
        seen = seen.__cause__
    return False


def retry_delay(attempts: int, rng: random.Random) -> timedelta:
    """Equal jitter: a random wait in [c/2, c], c = min(RETRY_CAP, RETRY_BASE × 2^(attempts − 1))."""
    ceiling = min(RETRY_CAP.total_seconds(), RETRY_BASE.total_seconds() * 2 ** min(max(attempts - 1, 0), 32))
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


_rng = random.SystemRandom()


def _set(row: InboxMessage, event: str, now: datetime, **changes: object) -> int:
    status = next_status(INBOX_TRANSITIONS, row.status, event)
    values = {"processed_at": now, **changes}
    return int(InboxMessage.objects.filter(pk=row.pk, status=row.status).update(status=status, **values))


def _due(now: datetime) -> Q:
    return Q(status=InboxStatus.RECEIVED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def process_received(
    *,
    batch: int = 50,
    now: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    rng: random.Random | None = None,
) -> int:
    """Hand due received messages to their handlers, in order; returns how many were taken.

    A message is skipped while an earlier message of its conversation from the same
    sender is still ``received`` (deferred, or taken by another worker a moment ago).
    """
    now = now or timezone.now()
    rows = list(
        InboxMessage.objects.filter(_due(now)).order_by("id").values_list("id", "sender", "conversation")[:batch]
    )
    if not rows:
        return 0
    ids = [pk for pk, _, _ in rows]
    # The first received message of each conversation that is not in this batch.
    waiting: dict[tuple[str, Any], int] = {}
    for pk, sender, conversation in (
        InboxMessage.objects.filter(status=InboxStatus.RECEIVED, conversation__in={c for _, _, c in rows})
        .exclude(id__in=ids)
        .order_by("-id")
        .values_list("id", "sender", "conversation")
    ):
        waiting[(sender, conversation)] = pk
    taken = 0
    for pk, sender, conversation in rows:
        key = (sender, conversation)
        if key in waiting and waiting[key] < pk:
            continue
        status = _process(pk, now, max_attempts=max_attempts, rng=rng or _rng)
        if status is not None:
            taken += 1
        if status in (None, InboxStatus.RECEIVED):
            waiting.setdefault(key, pk)  # deferred or in other hands: the rest of its conversation waits
    return taken


def _process(
    pk: int, now: datetime, *, max_attempts: int = MAX_ATTEMPTS, rng: random.Random | None = None
) -> str | None:
    """Hand one received message to its handler; its new status, or None if another worker took it.

    ``received`` means the handler met a passing database error and runs again later.
    """
    row = InboxMessage.objects.filter(pk=pk, status=InboxStatus.RECEIVED).first()
    if row is None:
        return None
    handler = _handlers.get(row.type)
    if handler is None:
        _set(row, "unhandled", now, last_error=NO_HANDLER)
        return InboxStatus.UNHANDLED
    try:
        with transaction.atomic():
            # Taking the row first makes a second worker skip it (row lock / SQLite write lock).
            taken = InboxMessage.objects.filter(pk=pk, status=InboxStatus.RECEIVED).update(
                status=next_status(INBOX_TRANSITIONS, InboxStatus.RECEIVED, "processed"),
                processed_at=now,
                last_error="",
                next_attempt_at=None,
            )
            if not taken:
                return None
            handler(row)
    except Unprocessable as err:
        logger.info("inbox set aside message=%s type=%s reason=%s", row.message_id, row.type, err.code)
        with transaction.atomic():
            _set(row, "unhandled", now, last_error=err.code[:64])
            record(None, Action.REFUSED, row, object_type="exchange.inboxmessage", note=f"not processed: {err.code}")
        return InboxStatus.UNHANDLED
    except Exception as err:
        return _failed(row, err, now, max_attempts=max_attempts, rng=rng or _rng)
    return InboxStatus.PROCESSED


def _failed(row: InboxMessage, err: Exception, now: datetime, *, max_attempts: int, rng: random.Random) -> str:
    """Record a handler's failure: deferred while transient and attempts remain, else ``failed``."""
    attempts = row.attempts + 1
    error = type(err).__name__[:64]
    if is_transient(err) and not connection.in_atomic_block:
        # A terminated connection is replaced here rather than failing the next query.
        connection.close_if_unusable_or_obsolete()
    if is_transient(err) and attempts < max_attempts:
        at = now + retry_delay(attempts, rng)
        logger.warning(
            "inbox handler deferred message=%s type=%s attempt=%d error=%s at %s",
            row.message_id,
            row.type,
            attempts,
            error,
            where(err),
        )
        _set(row, "defer", now, processed_at=None, attempts=attempts, next_attempt_at=at, last_error=error)
        return InboxStatus.RECEIVED
    logger.error(
        "inbox handler failed message=%s type=%s attempt=%d error=%s at %s",
        row.message_id,
        row.type,
        attempts,
        error,
        where(err),
    )
    _set(row, "failed", now, attempts=attempts, next_attempt_at=None, last_error=error)
    return InboxStatus.FAILED


def retry(message_id: str, *, by: Any = None, now: datetime | None = None) -> str | None:
    """Run a ``failed`` or ``unhandled`` message again, now; returns its new status.

    The message gets a fresh count of attempts: a passing database error defers it again.

    None when no message with that id waits for a retry (it never failed, or a concurrent
    retry took it first): the state change is conditional, so a message runs once. The
    retry is audited (``by``: who asked, None for the node itself) before the handler runs,
    in a transaction of its own, so that a handler failing again leaves the request on record.
    Callers check who may ask (the exchange knows no roles).
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = InboxMessage.objects.filter(message_id=message_id, status__in=RETRYABLE).first()
        fresh = {"processed_at": None, "last_error": "", "attempts": 0, "next_attempt_at": None}
        if row is None or not _set(row, "retry", now, **fresh):
            return None
        record(
            by,
            Action.UPDATE,
            row,
            object_type="exchange.inboxmessage",
            fields=["status"],
            note=f"retry after {row.last_error or row.status}",
        )
    return _process(row.pk, now)


def waiting_for_retry() -> QuerySet[InboxMessage]:
    """Received messages whose processing failed or was set aside, oldest first."""
    return InboxMessage.objects.filter(status__in=RETRYABLE).order_by("received_at", "id")
