"""What a conversation already holds: the messages this node received in it (read-only)."""

from __future__ import annotations

from typing import Any

from trm.exchange.models import InboxMessage
from trm.transnational.models import Link


def first(link: Link, type_: str) -> InboxMessage | None:
    """The first message of that type received in the link's conversation."""
    return InboxMessage.objects.filter(conversation=link.conversation, type=type_).order_by("received_at", "id").first()


def first_body(link: Link, type_: str) -> dict[str, Any]:
    """The body of the first message of that type received in the link's conversation ({} if none)."""
    row = first(link, type_)
    if row is None:
        return {}
    return dict(row.envelope.get("body", {}))


def first_envelope(link: Link, type_: str) -> dict[str, Any]:
    """The envelope of the first message of that type received in the link's conversation ({} if none)."""
    row = InboxMessage.objects.filter(conversation=link.conversation, type=type_).order_by("received_at").first()
    return dict(row.envelope) if row is not None else {}


def latest(link: Link, type_: str) -> InboxMessage | None:
    """The latest message of that type the other node sent in the conversation."""
    return (
        InboxMessage.objects.filter(conversation=link.conversation, type=type_, sender=link.peer)
        .order_by("-received_at", "-id")
        .first()
    )


def reply_basis(link: Link) -> dict[str, Any]:
    """The legal basis the other node named when it started the conversation (answers reuse it)."""
    env: dict[str, Any] = {}
    for row in InboxMessage.objects.filter(conversation=link.conversation).order_by("received_at", "id"):
        if row.envelope.get("consent_ref") or row.envelope.get("best_interests_ref"):
            env = row.envelope
            break
    out = {"legal_basis": env.get("legal_basis", "consent")}
    if env.get("consent_ref"):
        out["consent_ref"] = env["consent_ref"]
    if env.get("best_interests_ref"):
        out["best_interests_ref"] = env["best_interests_ref"]
    return out
