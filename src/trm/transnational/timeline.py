"""The shared timeline of one conversation: every message sent and received, with delivery state."""

from __future__ import annotations

from typing import Any

from trm.exchange.models import InboxMessage, OutboxMessage


def build(conversation: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for row in OutboxMessage.objects.filter(conversation=conversation):
        items.append({
            "at": row.created, "direction": "sent", "type": row.type, "state": row.get_status_display(),
            "delivered": row.status == "delivered", "body": row.envelope.get("body", {}), "peer": row.recipient,
        })
    for row in InboxMessage.objects.filter(conversation=conversation):
        items.append({
            "at": row.received_at, "direction": "received", "type": row.type, "state": row.get_status_display(),
            "delivered": True, "body": row.envelope.get("body", {}), "peer": row.sender,
        })
    return sorted(items, key=lambda i: i["at"])
