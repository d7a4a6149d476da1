"""The shared timeline of one conversation: every message sent and received, with delivery state.

Each message shows its kind's label and one-line summary (``kinds.py``).
"""

from __future__ import annotations

from typing import Any

from trm.exchange.models import InboxMessage, OutboxMessage
from trm.transnational import kinds


def label(type_: str) -> Any:
    """The message type's label, as its ``Kind`` declares it."""
    return kinds.label(type_)


def _summary(type_: str, body: dict[str, Any]) -> str:
    kind = kinds.KINDS.get(type_)
    return kind.summarise(body) if kind is not None else ""


def build(conversation: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for row in OutboxMessage.objects.filter(conversation=conversation):
        items.append(
            {
                "at": row.created,
                "direction": "sent",
                "type": row.type,
                "label": label(row.type),
                "summary": _summary(row.type, row.envelope.get("body", {})),
                "state": row.get_status_display(),
                "delivered": row.status == "delivered",
                "receipt": bool(row.receipt),
                "body": row.envelope.get("body", {}),
                "peer": row.recipient,
                "id": row.message_id,
            }
        )
    for got in InboxMessage.objects.filter(conversation=conversation):
        items.append(
            {
                "at": got.received_at,
                "direction": "received",
                "type": got.type,
                "label": label(got.type),
                "summary": _summary(got.type, got.envelope.get("body", {})),
                "state": got.get_status_display(),
                "delivered": True,
                "receipt": bool(got.receipt),
                "body": got.envelope.get("body", {}),
                "peer": got.sender,
                "id": got.message_id,
            }
        )
    return sorted(items, key=lambda i: i["at"])


def latest_received(limit: int = 50) -> list[dict[str, Any]]:
    """The node's latest received messages of every conversation (types, times and states only)."""
    # Only messages about cases: a node's audit heads (``audit_head``) are no case work.
    rows = (
        InboxMessage.objects.filter(type__in=list(kinds.KINDS))
        .order_by("-received_at", "-id")
        .only("message_id", "sender", "type", "conversation", "received_at", "status")[:limit]
    )
    return [
        {
            "at": r.received_at,
            "type": r.type,
            "label": label(r.type),
            "peer": r.sender,
            "conversation": r.conversation,
            "state": r.get_status_display(),
        }
        for r in rows
    ]
