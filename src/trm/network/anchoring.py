"""Anchoring audit chains at a witness node over trm/1 (``audit_head``, docs/protocol.md §5.20).

The sending side: ``publish`` queues the head of this node's audit chain to the witness
(``TRM_AUDIT_WITNESS``) in the outbox and keeps a ``PublishedHead`` in the same transaction;
the exchange worker delivers it and keeps the witness's signed receipt, which
``collect_receipts`` copies next to the head. ``publish_due`` is the worker's chore: it
publishes when the last head is older than ``TRM_AUDIT_PUBLISH_EVERY``.

The witness side: ``on_audit_head`` is the inbox handler for ``audit_head``; it keeps the
head with ``audit.anchors.witness``, which raises the alarm for a contradicting head.

This lives in the network part because it joins the protocol and the audit (the audit may
not import the protocol, which imports the audit).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trm.audit import anchors
from trm.audit.models import AuditEvent, AuditHead, PublishedHead
from trm.exchange import chores, inbox, outbox
from trm.exchange.messages import Handling, format_time, parse_time
from trm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus
from trm.lib.refusals import Conflict

TYPE = "audit_head"
_CONVERSATIONS = uuid.UUID("5b0f4c1e-2d7a-5e8b-9c3f-a1d2e3f40506")


class NotConfigured(Exception):
    """No witness is configured (TRM_AUDIT_WITNESS)."""


def conversation_for(sender: str, witness: str) -> uuid.UUID:
    """One fixed conversation for all heads a node sends one witness."""
    return uuid.uuid5(_CONVERSATIONS, f"{TYPE} {sender} {witness}")


@transaction.atomic
def publish(*, witness: str | None = None, now: datetime | None = None) -> PublishedHead:
    """Queue the chain's current head to ``witness`` (default ``TRM_AUDIT_WITNESS``) and keep it.

    Raises ``NotConfigured`` without a witness, ``Conflict`` for an empty chain, and what
    ``outbox.enqueue`` raises (no trust list, no keys, a witness not on the trust list).
    """
    witness = witness or settings.TRM_AUDIT_WITNESS
    if not witness:
        raise NotConfigured("TRM_AUDIT_WITNESS is not set")
    now = now or timezone.now()
    head = AuditHead.objects.filter(id=1).first()
    entry = AuditEvent.objects.filter(seq=head.seq).first() if head is not None else None
    if entry is None:
        raise Conflict("The audit chain has no entry to publish yet.")
    row = outbox.enqueue(
        TYPE,
        recipient=witness,
        body={"seq": entry.seq, "hash": entry.hash, "at": format_time(entry.at)},
        purpose="accountability",
        legal_basis="public_task",
        conversation=conversation_for(settings.TRM_NODE_ID, witness),
        handling=Handling(("H0",)),
        now=now,
    )
    published = PublishedHead(
        seq=entry.seq, hash=entry.hash, at=entry.at, witness=witness, message_id=row.message_id, published_at=now
    )
    published.save(force_insert=True)
    return published


def collect_receipts() -> int:
    """Copy the witness's signed receipt next to each delivered head; returns how many."""
    waiting = PublishedHead.objects.filter(receipt="")
    delivered = dict(
        OutboxMessage.objects.filter(
            message_id__in=waiting.values("message_id"), status=OutboxStatus.DELIVERED
        ).values_list("message_id", "receipt")
    )
    for message_id, receipt in delivered.items():
        PublishedHead.objects.filter(message_id=message_id, receipt="").update(receipt=receipt)
    return len(delivered)


def publish_due(now: datetime) -> PublishedHead | None:
    """The worker's chore: publish when the last head to the witness is older than the interval."""
    if not settings.TRM_AUDIT_WITNESS:
        return None
    collect_receipts()
    last = PublishedHead.objects.filter(witness=settings.TRM_AUDIT_WITNESS).order_by("-published_at").first()
    if last is not None and now - last.published_at < timedelta(seconds=settings.TRM_AUDIT_PUBLISH_EVERY):
        return None
    return publish(now=now)


def on_audit_head(row: InboxMessage) -> None:
    """Inbox handler: keep the head a node sent us (the inbox checked signature and schema)."""
    envelope = row.envelope
    body = envelope["body"]
    anchors.witness(
        node=row.sender,
        seq=body["seq"],
        hash_=body["hash"],
        at=parse_time(body["at"]),
        created=parse_time(envelope["created"]),
        message_id=str(row.message_id),
        now=timezone.now(),
    )


def register() -> None:
    """Called once at start-up by the network app."""
    inbox.register_handler(TYPE, on_audit_head)
    chores.register("publish audit head", publish_due, every_seconds=60)
