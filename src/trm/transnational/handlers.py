"""What this node does with a received trm/1 message (run by the exchange worker).

Each message kind names its handler in ``kinds.py``; ``kinds.register_handlers`` gives
them to the inbox. Handlers run in the transaction that marks the inbox row processed:
they only update links and cases here, and change a link's state only through
``states.move``; nothing is sent back automatically except through a person's action.

A message about a conversation this node does not hold with its sender (never started, or
held with another node) is refused with ``inbox.Unprocessable``: nothing it would have
changed is stored, the message is kept ``unhandled`` with the reason, and the refusal is
audited. An answer to something the conversation no longer waits for (an acceptance after
a withdrawal) joins the timeline and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import consent, guardians
from trm.exchange import inbox, keys
from trm.exchange.messages import parse_time
from trm.exchange.models import InboxMessage
from trm.lib.refusals import Conflict
from trm.transnational import erasure, reports, roles, states
from trm.transnational.models import AlertRecipient, Direction, Link, LinkStatus, RouteAlert

# The reason kept on a message about a conversation this node does not hold with its sender.
UNKNOWN_CONVERSATION = "unknown_conversation"


def _country_of(node_id: str) -> str:
    try:
        return keys.current_trust_list(now=timezone.now()).node(node_id, at=timezone.now()).country
    except Exception:  # the link still works without the country
        return "XX"


def _body(row: InboxMessage) -> dict[str, Any]:
    return dict(row.envelope.get("body", {}))


def _incoming(row: InboxMessage, *, start: str) -> Link:
    """The link of the row's conversation, opened with event ``start`` if this is its first message."""
    link = Link.objects.select_for_update().filter(conversation=row.conversation).first()
    if link is None:
        body, handling = _body(row), row.envelope.get("handling", {})
        link = Link(
            conversation=row.conversation,
            direction=Direction.INCOMING,
            peer=row.sender,
            peer_country=_country_of(row.sender),
            remote_case_ref=str(body.get("case_ref", ""))[:64],
            is_child=bool(body.get("is_child", False)),
            handling_codes=list(handling.get("codes", ["H2"])),
            handling_text=str(handling.get("text") or "")[:500],
        )
        states.move(link, start)
        link.save()
    if link.peer != row.sender:
        raise inbox.Unprocessable(UNKNOWN_CONVERSATION)  # another node's conversation: never touched
    return link


def _ours(row: InboxMessage, direction: str) -> Link | None:
    """The link of the row's conversation held with its sender in that direction, locked.

    Refuses the message when this node holds no conversation with that id and sender.
    """
    link = Link.objects.select_for_update().filter(conversation=row.conversation, peer=row.sender).first()
    if link is None:
        raise inbox.Unprocessable(UNKNOWN_CONVERSATION)
    return link if link.direction == direction else None


def on_notification(row: InboxMessage) -> None:
    link = _incoming(row, start="notify")
    body = _body(row)
    link.is_child = bool(body.get("is_child", link.is_child))
    link.urgent = link.urgent or body.get("urgency") == "urgent"
    link.save(update_fields=["is_child", "urgent", "updated_at"])
    record(None, Action.RECEIVE, link, note="case notification")


def on_offer(row: InboxMessage) -> None:
    link = _incoming(row, start="offer")
    if states.may(link, "offer"):
        states.move(link, "offer")
    if link.status == LinkStatus.OFFERED:
        link.services = list(_body(row).get("services", []))
        link.offer_message_id = row.message_id
    link.save(update_fields=["status", "services", "offer_message_id", "updated_at"])
    record(None, Action.RECEIVE, link, note="referral offer")


def answer(event: str, note: str, *, direction: str) -> Any:
    """A handler moving the link held with the sender by ``event``; an answer to nothing is kept, ignored."""

    def handle(row: InboxMessage) -> None:
        link = _ours(row, direction)
        if link is None or not states.may(link, event):
            return  # an answer to nothing we still wait for: on the timeline, nothing changes
        states.move(link, event)
        link.save(update_fields=["status", "updated_at"])
        record(None, Action.RECEIVE, link, note=note)

    return handle


def on_consent_withdrawn(row: InboxMessage) -> None:
    """Erase what the conversation shared and end the consent carried with it (and what relied on it here)."""
    link = _ours(row, Direction.INCOMING)  # only the receiver of a referral erases
    if link is not None and states.may(link, "erase"):
        erasure.erase_conversation(link)
        if link.case is not None:
            consent.withdrawn_abroad(link.case, node=link.peer)


def _joined(row: InboxMessage) -> Link:
    """The conversation's link; refuses the message unless its sender is the conversation's other node."""
    link = Link.objects.filter(conversation=row.conversation).first()
    if link is None or link.peer != row.sender:
        raise inbox.Unprocessable(UNKNOWN_CONVERSATION)  # a conversation of another node is never touched
    return link


def on_message(row: InboxMessage) -> None:
    """The message joins the conversation's timeline; nothing else changes."""
    link = _joined(row)
    record(None, Action.RECEIVE, link, note=row.type)


def on_arrival(row: InboxMessage) -> None:
    link = _joined(row)
    reports.on_arrival(link, _body(row))
    record(None, Action.RECEIVE, link, note=row.type)


def on_report(row: InboxMessage) -> None:
    link = _joined(row)
    reports.on_report(link, _body(row))
    record(None, Action.RECEIVE, link, note=row.type)


def on_alert(row: InboxMessage) -> None:
    """An urgent alert marks its conversation urgent (it may open one); the dashboard shows it first."""
    link = Link.objects.filter(conversation=row.conversation).first()
    if link is None:
        link = _incoming(row, start="notify")
    if link.peer != row.sender:
        raise inbox.Unprocessable(UNKNOWN_CONVERSATION)
    link.urgent = True
    link.save(update_fields=["urgent", "updated_at"])
    record(None, Action.RECEIVE, link, note=row.type)


def on_route_alert(row: InboxMessage) -> None:
    """A route alert opens its own urgent conversation and waits for a person here to acknowledge it."""
    link = Link.objects.select_for_update().filter(conversation=row.conversation).first()
    if link is None:
        link = _incoming(row, start="notify")
    if link.peer != row.sender or link.direction != Direction.INCOMING:
        raise inbox.Unprocessable(UNKNOWN_CONVERSATION)
    body = _body(row)
    link.urgent = True
    link.peer_role = link.peer_role or roles.propose_received(body, link.peer_country)
    link.save(update_fields=["urgent", "peer_role", "updated_at"])
    alert, _created = RouteAlert.objects.get_or_create(
        alert_id=body["alert_id"],
        direction=Direction.INCOMING,
        defaults={"kind": body["alert_kind"], "is_child": bool(body.get("is_child"))},
    )
    AlertRecipient.objects.get_or_create(
        link=link,
        defaults={
            "alert": alert,
            "node": settings.TRM_NODE_ID,
            "country": _country_of(settings.TRM_NODE_ID),
            "message_id": row.message_id,
        },
    )
    record(None, Action.RECEIVE, link, note=row.type)


def on_route_alert_ack(row: InboxMessage) -> None:
    """The other node's acknowledgement of an alert this node sent: who was told, when, what they do."""
    link = _ours(row, Direction.OUTGOING)
    body = _body(row)
    recipient = AlertRecipient.objects.select_for_update(of=("self",)).filter(link=link).select_related("alert").first()
    if link is None or recipient is None or str(recipient.alert.alert_id) != body["alert_id"]:
        return  # an acknowledgement of nothing this node sent: on the timeline, nothing changes
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = parse_time(body["acknowledged_at"])
    recipient.action = body["action"]
    recipient.save(update_fields=["acknowledged_at", "action"])
    record(None, Action.RECEIVE, link, fields=["acknowledged_at", "action"], note=row.type)


def record_handover(link: Link, row: InboxMessage) -> bool:
    """Record a received guardian hand-over against the conversation's case here; False if it cannot be."""
    if link.case is None:
        return False
    body = _body(row)
    try:
        guardians.record_carried(
            link.case,
            country=link.peer_country,
            node=link.peer,
            guardian=body["guardian"],
            best_interests=body["best_interests"],
            ref=str(row.envelope.get("best_interests_ref", "")),
        )
    except Conflict:
        record(None, Action.RECEIVE, link, note=f"{row.type}: not recorded, not a child's case here")
        return False
    return True


def on_guardian_handover(row: InboxMessage) -> None:
    """The child's guardian and best-interests record join the case here (or when the referral is accepted)."""
    link = _joined(row)
    if link.direction != Direction.INCOMING:
        return
    recorded = record_handover(link, row)
    record(None, Action.RECEIVE, link, note=row.type if recorded else f"{row.type}: kept until a case is open")


def after_arrival(row: InboxMessage) -> Link | None:
    """What every message in a conversation does after its kind's handler: the link it joined.

    On a conversation this node started, an answer naming the other node's own case
    (``receiver_case_ref``) is kept as the case reference at the other node.
    """
    link = Link.objects.filter(conversation=row.conversation, peer=row.sender).first()
    if link is None:
        return None
    theirs = str(_body(row).get("receiver_case_ref") or "")[:64]
    if link.direction == Direction.OUTGOING and theirs and theirs != link.remote_case_ref:
        link.remote_case_ref = theirs
        link.save(update_fields=["remote_case_ref", "updated_at"])
        record(None, Action.UPDATE, link, fields=["remote_case_ref"], note="case reference at the other node")
    return link


# --- arrivals that other parts of TRM act on (justice), registered at their start-up ---------

Delegate = Callable[[InboxMessage, Link], None]
_DELEGATES: dict[str, Delegate] = {}


def delegate(type_: str, handler: Delegate) -> None:
    """Let another part of TRM act on the arrival of ``type_``, in the inbox's transaction."""
    _DELEGATES[type_] = handler


def delegated(row: InboxMessage) -> None:
    """The message joins its conversation; the part registered for its type acts on it."""
    link = _joined(row)
    handler = _DELEGATES.get(row.type)
    if handler is not None:
        handler(row, link)
    record(None, Action.RECEIVE, link, note=row.type)
