"""On the receiving side: drop the shared personal data of a conversation when consent is withdrawn."""

from __future__ import annotations

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus
from trm.transnational import states
from trm.transnational.models import Link


def erase_conversation(link: Link) -> None:
    """Erase what this node holds of the conversation, and move the link to ``erased``.

    Kept: each message's id, type, times, status and receipt (the non-personal trail).
    Erased: every received body, the body and sealed token of every message this node
    sent in the conversation once it left (delivered, rejected or dead), and the
    personal fields of the case opened from the referral.
    """
    states.move(link, "erase")
    for row in InboxMessage.objects.filter(conversation=link.conversation):
        row.envelope = {**row.envelope, "body": {"erased": True}}
        row.save(update_fields=["envelope"])
    finished = (OutboxStatus.DELIVERED, OutboxStatus.REJECTED, OutboxStatus.DEAD)
    for sent in OutboxMessage.objects.filter(conversation=link.conversation, status__in=finished):
        sent.envelope = {**sent.envelope, "body": {"erased": True}}
        sent.token = ""  # erases the sent token, sets no secret  # nosec B105
        sent.save(update_fields=["envelope", "token"])
    if link.case is not None:
        person = link.case.person
        person.given_name = person.family_name = ""
        person.aliases, person.documents, person.contacts = [], [], []
        person.citizenships, person.languages = [], []
        person.date_of_birth = None
        person.name_index = person.document_index = ""
        person.save(
            update_fields=[
                "given_name",
                "family_name",
                "aliases",
                "documents",
                "contacts",
                "citizenships",
                "languages",
                "date_of_birth",
                "name_index",
                "document_index",
            ]
        )
        case = link.case
        case.narrative = case.detection_place = ""
        case.save(update_fields=["narrative", "detection_place"])
    link.save(update_fields=["status", "updated_at"])
    record(
        None,
        Action.DELETE,
        link,
        fields=["person", "narrative", "received_bodies", "sent_bodies"],
        note="erased on consent withdrawal",
    )
