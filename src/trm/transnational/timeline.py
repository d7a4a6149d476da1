"""The shared timeline of one conversation: every message sent and received, with delivery state."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from trm.exchange.models import InboxMessage, OutboxMessage

LABELS = {
    "case_notification": _("Case notification / request for cooperation"),
    "referral_offer": _("Referral offer"),
    "referral_accept": _("Referral accepted"),
    "referral_decline": _("Referral declined"),
    "referral_withdraw": _("Referral withdrawn"),
    "risk_assessment_request": _("Risk assessment requested"),
    "risk_assessment_response": _("Risk assessment"),
    "identity_verification_request": _("Identity verification requested"),
    "identity_verification_response": _("Identity verification answered"),
    "family_tracing_request": _("Family tracing requested"),
    "family_tracing_response": _("Family assessment"),
    "return_arrangements": _("Return arrangements"),
    "arrival_confirmation": _("Arrival confirmed"),
    "post_return_report": _("Post-return report"),
    "case_closure": _("Case closed"),
    "consent_withdrawn": _("Consent withdrawn: erase"),
    "urgent_alert": _("Urgent alert"),
}


def label(type_: str) -> Any:
    return LABELS.get(type_, type_)


def build(conversation: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for row in OutboxMessage.objects.filter(conversation=conversation):
        items.append({
            "at": row.created, "direction": "sent", "type": row.type, "label": label(row.type),
            "state": row.get_status_display(), "delivered": row.status == "delivered", "receipt": bool(row.receipt),
            "body": row.envelope.get("body", {}), "peer": row.recipient, "id": row.message_id,
        })
    for row in InboxMessage.objects.filter(conversation=conversation):
        items.append({
            "at": row.received_at, "direction": "received", "type": row.type, "label": label(row.type),
            "state": row.get_status_display(), "delivered": True, "receipt": bool(row.receipt),
            "body": row.envelope.get("body", {}), "peer": row.sender, "id": row.message_id,
        })
    return sorted(items, key=lambda i: i["at"])


def latest_received(limit: int = 50) -> list[dict[str, Any]]:
    """The node's latest received messages of every conversation (types, times and states only)."""
    rows = InboxMessage.objects.order_by("-received_at", "-id").only(
        "message_id", "sender", "type", "conversation", "received_at", "status"
    )[:limit]
    return [
        {"at": r.received_at, "type": r.type, "label": label(r.type), "peer": r.sender,
         "conversation": r.conversation, "state": r.get_status_display()}
        for r in rows
    ]
