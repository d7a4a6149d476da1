"""Delivery evidence on the conversation page and per message, and the focal point's reconciliation page.

This node sends a referral to xk.nrm through its real outbox (the peer's side answers real
signed receipts), the peer answers, and the peer's exchange summary states what became of
each message there: the chain of each message, and the reconciliation of the period, follow.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.exchange.shell_support import PEER, PeerInbox
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.exchange import inbox, outbox, protocol, reconciliation, summary
from trm.exchange.messages import Handling
from trm.exchange.models import InboxMessage, OutboxMessage, Summary
from trm.transnational import workflows


def whole(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def peer_summary(two, *, received: list[summary.Entry], sent: list[summary.Entry] | None = None, start=None) -> None:
    """xk.nrm sends us its summary of today up to now (its created two seconds ahead, within the skew).

    By default it lists, as sent and delivered, every message it sent us.
    """
    now = timezone.now()
    if sent is None:
        sent = [
            summary.Entry(str(r.message_id), r.type, r.created, r.token_sha256, "delivered")
            for r in InboxMessage.objects.filter(sender=PEER).exclude(type="exchange_summary")
        ]
    start = start or whole(now) - timedelta(hours=1)
    statement = summary.Statement(
        PEER, settings.TRM_NODE_ID, start, whole(now) + timedelta(seconds=1), tuple(sent), tuple(received)
    )
    message = protocol.build(
        "exchange_summary",
        sender=PEER,
        recipient=settings.TRM_NODE_ID,
        body=summary.to_body(statement),
        message_id=uuid.uuid4(),
        conversation=reconciliation.conversation_for(PEER, settings.TRM_NODE_ID),
        now=now + timedelta(seconds=2),
        purpose="accountability",
        legal_basis="public_task",
        handling=Handling(("H0",)),
    )
    assert inbox.receive(two.net.seal(message).encode()).status == 200
    inbox.process_received()


def entry(row: OutboxMessage, status: str) -> summary.Entry:
    at = None if status == "received" else whole(timezone.now())
    return summary.Entry(
        str(row.message_id), row.type, whole(row.created), hashlib.sha256(row.token.encode()).hexdigest(), status, at
    )


@pytest.fixture
def delivered(two):
    """A referral (notification and offer) delivered to xk.nrm with its signed receipts; xk.nrm accepts it."""
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    with PeerInbox(two.net).client() as client:
        outbox.deliver_due(client=client, rng=random.Random(3))
    notification, offer = OutboxMessage.objects.order_by("created", "id")
    assert {notification.status, offer.status} == {"delivered"}
    two.receive(
        "referral_accept",
        {"case_ref": link.case.reference, "accepted_services": ["shelter"], "reception_organisation": "NGO"},
        conversation=link.conversation,
        in_reply_to=str(offer.message_id),
    )
    return link, notification, offer


def test_each_message_shows_its_chain_until_the_other_node_reports(two, delivered):
    link, _notification, offer = delivered
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "2 messages sent: 2 delivered with a signed receipt, 0 confirmed processed by the recipient." in page
    assert "1 message received, 1 processed here." in page
    assert page.count("not reported yet") == 2
    assert reverse("transnational:evidence", args=[link.conversation, offer.message_id]) in page


def test_the_other_nodes_summary_completes_the_chain_and_shows_a_failure_there(two, delivered):
    link, notification, offer = delivered
    peer_summary(two, received=[entry(notification, "failed"), entry(offer, "processed")])
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "2 delivered with a signed receipt, 1 confirmed processed by the recipient." in page
    assert "1 not processed by the recipient" in page

    url = reverse("transnational:evidence", args=[link.conversation, offer.message_id])
    evidence = client.get(url).content.decode()
    assert "Submission" in evidence and "Processing by the recipient" in evidence
    assert "delivered, signed receipt" in evidence and "processed" in evidence and "answered" in evidence
    assert "verified now against the current trust list" in evidence
    assert hashlib.sha256(offer.receipt.encode()).hexdigest() in evidence  # the receipt's digest
    assert hashlib.sha256(offer.token.encode()).hexdigest() in evidence  # the message's, quoted by the receipt
    assert "the same as the message's" in evidence
    assert "Referral accepted" in evidence  # the reply, with a link to its own evidence
    event = AuditEvent.objects.filter(action="read", fields=["evidence"]).get()
    assert event.object_ref == str(link.conversation) and str(offer.message_id) in event.note

    failed = client.get(reverse("transnational:evidence", args=[link.conversation, notification.message_id]))
    assert "processing failed" in failed.content.decode()


def test_a_message_the_other_node_no_longer_holds_is_flagged_on_its_chain(two, delivered):
    link, notification, offer = delivered
    peer_summary(two, received=[entry(offer, "processed")])  # the notification is missing there
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "1 message the other node's summary disagrees about" in page
    evidence = client.get(reverse("transnational:evidence", args=[link.conversation, notification.message_id]))
    text = evidence.content.decode()
    assert "not held by the recipient" in text and "held here only" in text


def test_the_received_message_chain_is_this_nodes_record(two, delivered):
    link, _notification, _offer = delivered
    accept = two.net_inbox("referral_accept")
    text = (
        verified_client(two.focal)
        .get(reverse("transnational:evidence", args=[link.conversation, accept.message_id]))
        .content.decode()
    )
    assert "Submission by the sender" in text and "Receipt here" in text and "Processing here" in text
    assert "made by this node when it stored the message" in text
    assert "No message answers this one." in text


def test_the_evidence_page_is_the_focal_points_and_only_for_messages_of_the_conversation(two, delivered):
    link, _notification, offer = delivered
    url = reverse("transnational:evidence", args=[link.conversation, offer.message_id])
    assert verified_client(two.responder).get(url).status_code == 404
    other = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    elsewhere = reverse("transnational:evidence", args=[other.conversation, offer.message_id])
    assert verified_client(two.focal).get(elsewhere).status_code == 404


# --- reconciliation page ------------------------------------------------------------------


def today() -> str:
    return timezone.now().astimezone(UTC).date().isoformat()


def a_second_later() -> None:
    """A period ends at a whole second by now: let the second of the messages end."""
    time.sleep(1.05)


def test_the_page_compares_a_day_and_lists_the_message_the_other_node_lacks(two, delivered):
    link, notification, offer = delivered
    a_second_later()
    peer_summary(
        two,
        received=[entry(offer, "processed")],
        start=datetime.combine(timezone.now().astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC),
    )
    client = verified_client(two.focal)
    url = reverse("transnational:reconciliation")
    page = client.get(url)
    assert page.status_code == 200 and PEER in page.content.decode()
    report = client.get(url, {"peer": PEER, "first_day": today(), "last_day": today()})
    text = report.content.decode()
    assert report.status_code == 200
    assert str(notification.message_id) in text and str(offer.message_id) not in text.split("h-report")[1]
    assert "held here only" in text
    assert reverse("transnational:evidence", args=[link.conversation, notification.message_id]) in text
    assert AuditEvent.objects.filter(action="read", object_type="exchange.summary", object_ref=PEER).exists()


def test_asking_sends_this_nodes_summary_with_a_request(two, delivered):
    a_second_later()
    client = verified_client(two.focal)
    response = client.post(
        reverse("transnational:reconciliation_ask"), {"peer": PEER, "first_day": today(), "last_day": today()}
    )
    assert response.status_code == 302
    asked = Summary.objects.get(direction="sent")
    assert asked.reason == "request" and len(asked.body["sent"]) == 2 and len(asked.body["received"]) == 1
    row = OutboxMessage.objects.get(type="exchange_summary")
    assert row.envelope["body"]["reply_requested"] is True
    assert AuditEvent.objects.filter(action="send", object_ref=str(row.message_id), actor_id=two.focal.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"peer": "zz.nrm", "first_day": "2026-03-01", "last_day": "2026-03-01"},  # not a node exchanged with
        {"peer": PEER, "first_day": "2026-03-02", "last_day": "2026-03-01"},  # ends before it starts
        {"peer": PEER, "first_day": "2999-01-01", "last_day": "2999-01-01"},  # has not begun
        {"peer": PEER, "first_day": "yesterday"},
    ],
)
def test_bad_input_is_a_400_and_nothing_is_sent(two, delivered, data):
    client = verified_client(two.focal)
    before = OutboxMessage.objects.count()
    assert client.post(reverse("transnational:reconciliation_ask"), data).status_code == 400
    assert client.get(reverse("transnational:reconciliation"), data).status_code == 400
    assert OutboxMessage.objects.count() == before and not Summary.objects.exists()


def test_a_role_other_than_the_focal_point_may_neither_compare_nor_ask(two, delivered):
    client = verified_client(two.responder)
    data = {"peer": PEER, "first_day": today(), "last_day": today()}
    assert client.get(reverse("transnational:reconciliation"), data).status_code == 403
    assert client.post(reverse("transnational:reconciliation_ask"), data).status_code == 403
    assert not Summary.objects.exists()


def test_a_period_no_summary_covers_says_so(two, delivered):
    text = (
        verified_client(two.focal)
        .get(reverse("transnational:reconciliation"), {"peer": PEER, "first_day": today(), "last_day": today()})
        .content.decode()
    )
    assert "Not covered" in text and "Send this node's summary of the period and ask for theirs" in text
