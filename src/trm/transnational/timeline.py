"""The shared timeline of one conversation: every message sent and received, with delivery state.

Each message shows its kind's label, a one-line summary (``kinds.py``) and its body as a
person reads it (``rendering.py``); the body as JSON is kept beside it for the focal point.
Each also carries its evidence chain (``evidence.py``): submitted, delivered with the signed
receipt, processed at the recipient, answered.
"""

from __future__ import annotations

import json
from typing import Any

from trm.exchange.models import InboxMessage, OutboxMessage
from trm.transnational import evidence, kinds, rendering


def label(type_: str) -> Any:
    """The message type's label, as its ``Kind`` declares it."""
    return kinds.label(type_)


def _summary(type_: str, body: dict[str, Any]) -> str:
    kind = kinds.KINDS.get(type_)
    return kind.summarise(body) if kind is not None else ""


def _item(row: OutboxMessage | InboxMessage, *, direction: str, at: Any, peer: str) -> dict[str, Any]:
    body = row.envelope.get("body", {})
    return {
        "at": at,
        "direction": direction,
        "type": row.type,
        "label": label(row.type),
        "summary": _summary(row.type, body),
        "state": row.get_status_display(),
        "delivered": direction == "received" or row.status == "delivered",
        "receipt": bool(row.receipt),
        "body": body,
        "peer": peer,
        "id": row.message_id,
        "in_reply_to": row.in_reply_to,
    }


def states(conversation: Any) -> list[str]:
    """Each message's id, delivery state and whether it holds a receipt: what ``build`` shows of
    its delivery, read without decrypting a body (a live page's poll compares these first)."""
    rows = [
        *OutboxMessage.objects.filter(conversation=conversation).values_list("message_id", "status", "receipt"),
        *InboxMessage.objects.filter(conversation=conversation).values_list("message_id", "status", "receipt"),
    ]
    return sorted(f"{mid}:{status}:{bool(receipt)}" for mid, status, receipt in rows)


def build(conversation: Any, chains: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The conversation's messages in time order; ``chains``: their evidence, when already built."""
    items = [
        _item(row, direction="sent", at=row.created, peer=row.recipient)
        for row in OutboxMessage.objects.filter(conversation=conversation)
    ]
    items += [
        _item(got, direction="received", at=got.received_at, peer=got.sender)
        for got in InboxMessage.objects.filter(conversation=conversation)
    ]
    items.sort(key=lambda i: i["at"])
    # A message id in a body (an offer withdrawn, the risk assessment a return relies on) reads as
    # the label and date of that message of the conversation.
    known = rendering.Known({str(i["id"]): (i["label"], i["at"]) for i in items})
    # Each message's delivery evidence: submitted, delivered (signed receipt), processed, answered.
    if chains is None:
        chains = evidence.for_conversation(conversation)
    for i in items:
        i["sections"] = rendering.render(i["type"], i["body"], known)
        i["answers"] = rendering.message(i["in_reply_to"], known) if i["in_reply_to"] else ""
        i["raw"] = json.dumps(i["body"], indent=2, ensure_ascii=False)
        i["evidence"] = chains.get(str(i["id"]))
        i["chain"] = evidence.steps(i["evidence"]) if i["evidence"] else []
    return items


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
