"""What this node does with each received trm/1 message (run by the exchange worker).

Handlers run in the transaction that marks the inbox row processed: they only update
links and cases here; nothing is sent back automatically except through a person's action.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import inbox, keys
from trm.exchange.models import InboxMessage
from trm.transnational import workflows
from trm.transnational.models import TRANSITIONS, Direction, Link, LinkStatus


def _country_of(node_id: str) -> str:
    try:
        from django.utils import timezone

        return keys.current_trust_list(now=timezone.now()).node(node_id, at=timezone.now()).country
    except Exception:  # the link still works without the country
        return "XX"


def _incoming(row: InboxMessage, *, status: str) -> Link:
    body = row.envelope.get("body", {})
    link, _created = Link.objects.select_for_update().get_or_create(
        conversation=row.conversation,
        defaults={
            "direction": Direction.INCOMING,
            "peer": row.sender,
            "peer_country": _country_of(row.sender),
            "status": status,
            "remote_case_ref": str(body.get("case_ref", ""))[:64],
            "is_child": bool(body.get("is_child", False)),
            "handling_codes": list(row.envelope.get("handling", {}).get("codes", ["H2"])),
            "handling_text": str(row.envelope.get("handling", {}).get("text") or "")[:500],
        },
    )
    if link.peer != row.sender:
        raise ValueError("conversation belongs to another node")
    return link


def on_notification(row: InboxMessage) -> None:
    link = _incoming(row, status=LinkStatus.NOTIFIED)
    body = row.envelope.get("body", {})
    link.is_child = bool(body.get("is_child", link.is_child))
    link.urgent = link.urgent or body.get("urgency") == "urgent"
    link.save(update_fields=["is_child", "urgent", "updated_at"])
    record(None, Action.RECEIVE, link, note="case notification")


def on_offer(row: InboxMessage) -> None:
    link = _incoming(row, status=LinkStatus.OFFERED)
    body = row.envelope.get("body", {})
    if link.status == LinkStatus.NOTIFIED:
        link.status = TRANSITIONS[link.status]["offer"]
    link.services = list(body.get("services", []))
    link.offer_message_id = row.message_id
    link.save(update_fields=["status", "services", "offer_message_id", "updated_at"])
    record(None, Action.RECEIVE, link, note="referral offer")


def _outgoing(row: InboxMessage) -> Link | None:
    return (
        Link.objects.select_for_update()
        .filter(conversation=row.conversation, direction=Direction.OUTGOING, peer=row.sender)
        .first()
    )


def _answer(event: str, note: str) -> Any:
    def handle(row: InboxMessage) -> None:
        link = _outgoing(row)
        if link is None or event not in TRANSITIONS[link.status]:
            return  # an answer to nothing we still wait for: kept in the inbox, nothing changes
        link.status = TRANSITIONS[link.status][event]
        link.save(update_fields=["status", "updated_at"])
        record(None, Action.RECEIVE, link, note=note)

    return handle


def on_withdraw(row: InboxMessage) -> None:
    link = Link.objects.select_for_update().filter(
        conversation=row.conversation, direction=Direction.INCOMING, peer=row.sender
    ).first()
    if link is not None and "withdraw" in TRANSITIONS[link.status]:
        link.status = TRANSITIONS[link.status]["withdraw"]
        link.save(update_fields=["status", "updated_at"])
        record(None, Action.RECEIVE, link, note="referral withdrawn")


def on_consent_withdrawn(row: InboxMessage) -> None:
    link = Link.objects.select_for_update().filter(
        conversation=row.conversation, direction=Direction.INCOMING, peer=row.sender
    ).first()
    if link is not None and link.status != LinkStatus.ERASED:
        workflows.erase_conversation(link)


def on_other(row: InboxMessage) -> None:
    """Other types join the conversation's timeline; urgent alerts show on the dashboard."""
    link = Link.objects.filter(conversation=row.conversation).first()
    if link is None and row.type == "urgent_alert":
        link = _incoming(row, status=LinkStatus.NOTIFIED)
    if link is None or link.peer != row.sender:
        return  # kept in the inbox; a conversation of another node is never touched
    body = row.envelope.get("body", {})
    if row.type == "urgent_alert":
        link.urgent = True
        link.save(update_fields=["urgent", "updated_at"])
    elif row.type == "arrival_confirmation":
        workflows.schedule_reports(link, dt.date.fromisoformat(body["arrived_on"]))
    elif row.type == "post_return_report":
        workflows.report_done(link, int(body["months_after_return"]))
    record(None, Action.RECEIVE, link, note=row.type)


HANDLERS = {
    "case_notification": on_notification,
    "referral_offer": on_offer,
    "referral_accept": _answer("accept", "referral accepted"),
    "referral_decline": _answer("decline", "referral declined"),
    "referral_withdraw": on_withdraw,
    "consent_withdrawn": on_consent_withdrawn,
}
OTHER_TYPES = (
    "risk_assessment_request", "risk_assessment_response", "family_tracing_request", "family_tracing_response",
    "identity_verification_request", "identity_verification_response", "return_arrangements",
    "arrival_confirmation", "post_return_report", "case_closure", "urgent_alert",
)


def register_all() -> None:
    for type_, handler in HANDLERS.items():
        inbox.register_handler(type_, handler)
    for type_ in OTHER_TYPES:
        inbox.register_handler(type_, on_other)

