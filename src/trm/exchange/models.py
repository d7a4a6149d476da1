"""Persistence of the trm/1 exchange: our keys, the trust list, the outbox and the inbox.

Personal data lives only in encrypted fields: the private JWKs, the sealed tokens (already
encrypted to the recipient, encrypted again at rest) and received envelopes. The other
columns hold ids, node ids, message types, states, error codes and times.

The message states are tables (``OUTBOX_TRANSITIONS``, ``INBOX_TRANSITIONS``): every
state change goes through ``next_status``, which refuses a transition the table lacks.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.exchange import jose
from trm.lib.encrypted import EncryptedJSONField, EncryptedTextField

# --- message states -------------------------------------------------------------------
#
# Outbox. A message is stored ``pending`` in the sender's own transaction. A worker
# ``claim``s it (``sending``, with a short lease that the worker renews while it works: a
# worker that dies leaves the row to be ``reclaim``ed within one lease). A valid receipt
# ``accepted`` or ``duplicate`` makes it ``delivered``; a valid ``rejected`` receipt makes it
# ``rejected`` (final, trm/1 §3.3). Anything else is a ``retry`` (back to ``pending`` with a
# later next_attempt_at), until the message expires (``dead``: undelivered, reported to the
# operators). A worker that stops, or finds the peer down, ``release``s the rest of its
# claim without an attempt (back to ``pending``).
OUTBOX_TRANSITIONS: dict[str, dict[str, str]] = {
    "pending": {"claim": "sending", "expire": "dead"},
    "sending": {
        "reclaim": "sending",
        "delivered": "delivered",
        "rejected": "rejected",
        "retry": "pending",
        "release": "pending",
        "expire": "dead",
    },
    "delivered": {},
    "rejected": {},
    "dead": {},
}

# Inbox. A message is stored ``received`` (and acknowledged) before anything else happens
# to it. The worker hands it to the handler registered for its type: ``processed`` when
# the handler returns; ``defer`` (still ``received``, tried again later) when it hit a
# passing database error (a lock, a lost connection, a serialisation failure), up to a
# bounded number of attempts; ``failed`` when it raised anything else or ran out of
# attempts (kept for the operators and ``retry``-able); ``unhandled`` when no handler
# exists for the type or the handler refused the message.
INBOX_TRANSITIONS: dict[str, dict[str, str]] = {
    "received": {"processed": "processed", "defer": "received", "failed": "failed", "unhandled": "unhandled"},
    "failed": {"retry": "received"},
    "unhandled": {"retry": "received"},
    "processed": {},
}


def next_status(table: dict[str, dict[str, str]], current: str, event: str) -> str:
    try:
        return table[current][event]
    except KeyError:
        raise ValueError(f"no transition {event} from {current}") from None


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    DELIVERED = "delivered", _("delivered")
    REJECTED = "rejected", _("rejected")
    DEAD = "dead", _("dead (expired undelivered)")


class InboxStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    PROCESSED = "processed", _("processed")
    FAILED = "failed", _("failed")
    UNHANDLED = "unhandled", _("unhandled")


assert set(OUTBOX_TRANSITIONS) == set(OutboxStatus.values)
assert set(INBOX_TRANSITIONS) == set(InboxStatus.values)


# --- keys and trust ---------------------------------------------------------------------


class KeyUse(models.TextChoices):
    SIG = "sig", _("signature (Ed25519)")
    ENC = "enc", _("encryption (X25519)")


class NodeKeyQuerySet(models.QuerySet["NodeKey"]):
    def active(self) -> NodeKeyQuerySet:
        return self.filter(retired=False)


class NodeKey(models.Model):
    """One of this node's private keys. ``retired`` keys are no longer used or published."""

    kid = models.CharField(max_length=64)
    use = models.CharField(max_length=3, choices=KeyUse.choices)
    private_jwk = EncryptedTextField()
    created = models.DateTimeField(default=timezone.now)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField(null=True, blank=True)
    retired = models.BooleanField(default=False)

    objects = NodeKeyQuerySet.as_manager()

    class Meta:
        ordering = ["use", "not_before", "kid"]
        constraints = [models.UniqueConstraint(fields=["kid", "use"], name="exchange_nodekey_unique_kid_use")]
        verbose_name = _("node key")

    def __str__(self) -> str:
        return f"{self.use} {self.kid}"

    @property
    def audit_ref(self) -> str:
        return self.kid[:64]

    def is_valid_at(self, at: datetime) -> bool:
        return not self.retired and self.not_before <= at and (self.not_after is None or at < self.not_after)

    def private_key(self) -> jose.PrivateKey:
        return jose.private_key_from_json(self.private_jwk, "sig" if self.use == KeyUse.SIG else "enc")


class TrustListState(models.Model):
    """The pinned network-authority key and the newest verified trust list (one row)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    authority_jwk = models.JSONField(null=True, blank=True)
    token = models.TextField(blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    network = models.CharField(max_length=200, blank=True)
    issued = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # Fetching from the published address (exchange/refresh.py): the address and ETag of the
    # last list fetched, when a fetch last succeeded (a newer or the same list) and was last
    # tried, the code of the last failure ("" after a success), how many failed in a row,
    # and the digest of the last refused list (so that the same refusal is audited once).
    source_url = models.CharField(max_length=500, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    fetch_attempted_at = models.DateTimeField(null=True, blank=True)
    fetch_error = models.CharField(max_length=64, blank=True)
    fetch_failures = models.PositiveIntegerField(default=0)
    refused_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("trust list state")

    def __str__(self) -> str:
        return f"trust list {self.sequence}"


# --- outbox and inbox -------------------------------------------------------------------


class OutboxMessage(models.Model):
    message_id = models.UUIDField(unique=True)
    recipient = models.CharField(max_length=64, db_index=True)
    type = models.CharField(max_length=64)
    conversation = models.UUIDField(db_index=True)
    in_reply_to = models.UUIDField(null=True, blank=True)
    # The envelope we signed (to show what was sent, and to re-seal the same envelope
    # to a newer key on ``unknown_recipient_key``) and the sealed token we (re)send.
    envelope = EncryptedJSONField()
    token = EncryptedTextField()
    expires = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    resealed = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=64, blank=True)
    receipt = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="exchange_outbox_due"),
            # "Does an earlier message of this conversation still wait?", asked of every due row
            # by each claim: without it PostgreSQL may intersect the conversation with every
            # unfinished row (quadratic in the queue: 110 ms a claim at 2,000 queued, 3 ms with it).
            models.Index(
                fields=["conversation", "id"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="exchange_outbox_unfinished",
            ),
        ]
        verbose_name = _("outgoing message")

    def __str__(self) -> str:
        return f"{self.type} {self.message_id} to {self.recipient} ({self.status})"

    @property
    def audit_ref(self) -> str:
        return str(self.message_id)


class InboxMessage(models.Model):
    # Ids are unique per sender (trm/1 §2): replay is judged on (sender, message_id).
    message_id = models.UUIDField(db_index=True)
    sender = models.CharField(max_length=64, db_index=True)
    sender_kid = models.CharField(max_length=64)
    type = models.CharField(max_length=64)
    conversation = models.UUIDField(db_index=True)
    in_reply_to = models.UUIDField(null=True, blank=True)
    expires = models.DateTimeField()
    # The envelope's ``created`` (whole seconds, signed by the sender): the time both sides
    # share, by which an exchange summary (trm/1 §5.21) places a message in a period.
    created = models.DateTimeField(null=True, blank=True, db_index=True)
    # The verified envelope (with its body and handling codes), encrypted at rest.
    envelope = EncryptedJSONField()
    token_sha256 = models.CharField(max_length=64)
    receipt = models.TextField()
    received_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=InboxStatus.choices, default=InboxStatus.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=64, blank=True)
    # Runs of the handler that ended in an error, and when a deferred message is due again
    # (None: due now).
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["status", "received_at"], name="exchange_inbox_status")]
        constraints = [
            models.UniqueConstraint(fields=["sender", "message_id"], name="exchange_inbox_unique_sender_message")
        ]
        verbose_name = _("received message")

    def __str__(self) -> str:
        return f"{self.type} {self.message_id} from {self.sender} ({self.status})"

    @property
    def audit_ref(self) -> str:
        return str(self.message_id)


# --- exchange summaries (trm/1 §5.21) ---------------------------------------------------


class SummaryDirection(models.TextChoices):
    SENT = "sent", _("sent")
    RECEIVED = "received", _("received")


class SummaryReason(models.TextChoices):
    SCHEDULE = "schedule", _("on schedule")
    REQUEST = "request", _("on demand, asking for the other node's")
    REPLY = "reply", _("in reply to a request")


class Summary(models.Model):
    """An ``exchange_summary`` this node sent or received.

    ``body`` is the message's body as sent or received: ids, types, times, digests and
    states only (no personal data, trm/1 §5.21), so it is not encrypted. A received
    summary was compared with this node's records when it was processed (``compared_at``);
    what that found is kept as ``SummaryFinding`` rows.
    """

    direction = models.CharField(max_length=8, choices=SummaryDirection.choices)
    peer = models.CharField(max_length=64)
    message_id = models.UUIDField()
    reason = models.CharField(max_length=8, choices=SummaryReason.choices)
    in_reply_to = models.UUIDField(null=True, blank=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created = models.DateTimeField()  # the envelope's created
    body = models.JSONField()
    stored_at = models.DateTimeField()
    compared_at = models.DateTimeField(null=True, blank=True)
    findings = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["peer", "direction", "period_start"], name="exchange_summary_period")]
        constraints = [
            models.UniqueConstraint(fields=["direction", "peer", "message_id"], name="exchange_summary_unique_message")
        ]
        verbose_name = _("exchange summary")
        verbose_name_plural = _("exchange summaries")

    def __str__(self) -> str:
        return f"{self.direction} summary {self.message_id} ({self.peer})"

    @property
    def audit_ref(self) -> str:
        return str(self.message_id)


class SummaryFinding(models.Model):
    """A message a received summary and this node's records disagree about."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="found")
    message_id = models.UUIDField(db_index=True)
    sender = models.CharField(max_length=64)
    recipient = models.CharField(max_length=64)
    type = models.CharField(max_length=64)
    created = models.DateTimeField()
    kind = models.CharField(max_length=10)
    here = models.CharField(max_length=10, blank=True)
    there = models.CharField(max_length=10, blank=True)
    detail = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("exchange summary finding")

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class OutboxPeer(models.Model):
    """Delivery to one peer node: how often in a row the peer itself failed, and when to try again.

    A refused connection, a time-out or a ``5xx`` says something about the peer, not about
    one message: the outbox then sends nothing more to it until ``retry_at`` (a short,
    jittered, exponential back-off, probing with one message), and the first valid receipt
    resets it, so the whole queue leaves as soon as the peer is back.
    """

    node_id = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=64, blank=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["node_id"]
        verbose_name = _("peer delivery state")

    def __str__(self) -> str:
        return f"{self.node_id} ({self.failures} failures)"
