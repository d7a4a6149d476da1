"""The conversation page follows the conversation without a reload (htmx polls ``transnational:live``)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.exchange.models import OutboxMessage, OutboxStatus
from trm.transnational import workflows

from .test_workflows import offer_from_peer


@pytest.fixture
def sent(two):
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


def _poll_url(html: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)" hx-trigger="every 5s"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_page_polls_its_live_part_and_shows_a_sent_message_leave(two, sent):
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    url = _poll_url(page)
    assert url and url.startswith(reverse("transnational:live", args=[sent.conversation]))
    assert "<script" not in page.split('id="conversation-live"')[1]  # no inline script (CSP)
    assert page.count("pending") >= 2  # the notification and the offer have not left yet

    reads = AuditEvent.objects.filter(action="read", object_ref=str(sent.conversation)).count()
    assert client.get(url).status_code == 204  # nothing changed: nothing read, nothing swapped
    assert AuditEvent.objects.filter(action="read", object_ref=str(sent.conversation)).count() == reads

    OutboxMessage.objects.filter(conversation=sent.conversation).update(
        status=OutboxStatus.DELIVERED, receipt="synthetic", finished_at=timezone.now()
    )
    fragment = client.get(url).content.decode()
    assert "pending" not in fragment and fragment.count("delivered · signed receipt received") == 2
    assert "2 messages sent: 2 delivered with a signed receipt" in fragment  # the conversation's evidence
    assert '<strong id="link-status" hx-swap-oob="true">Referral offered</strong>' in fragment
    assert _poll_url(fragment)  # the conversation is open: it keeps polling
    assert AuditEvent.objects.filter(action="read", object_ref=str(sent.conversation), note="live").count() == 1


def test_an_arrival_changes_status_and_timeline(two, sent):
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    url = _poll_url(page)
    two.receive(
        "referral_accept",
        {"case_ref": sent.case.reference, "accepted_services": ["shelter"], "reception_organisation": "NGO"},
        conversation=sent.conversation,
        in_reply_to=str(sent.offer_message_id),
    )
    fragment = client.get(url).content.decode()
    assert "Referral accepted" in fragment and 'hx-swap-oob="true">Accepted</strong>' in fragment


def test_polling_stops_once_closed_and_every_sent_message_has_left(two):
    link = offer_from_peer(two, uuid.uuid4())
    workflows.decline(link, by=two.focal, reason="no_capacity")
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert _poll_url(page)  # closed, but the decline has not left yet
    OutboxMessage.objects.filter(conversation=link.conversation).update(status=OutboxStatus.DELIVERED)
    fragment = client.get(_poll_url(page)).content.decode()
    assert "delivered" in fragment and _poll_url(fragment) is None and 'id="conversation-live"' in fragment


def test_the_live_part_is_the_focal_points_only(two, sent):
    url = reverse("transnational:live", args=[sent.conversation])
    assert verified_client(two.responder).get(url).status_code == 404
    assert verified_client(two.focal).get(reverse("transnational:live", args=[uuid.uuid4()])).status_code == 404


def test_an_acceptance_brings_the_other_nodes_case_reference_without_a_reload(two, sent):
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    assert '<dd id="remote-case-ref">—</dd>' in page
    url = _poll_url(page)
    two.receive(
        "referral_accept",
        {
            "case_ref": sent.case.reference,
            "receiver_case_ref": "XK-2026-0042",
            "accepted_services": ["shelter"],
            "reception_organisation": "NGO",
        },
        conversation=sent.conversation,
        in_reply_to=str(sent.offer_message_id),
    )
    fragment = client.get(url).content.decode()
    assert '<dd id="remote-case-ref" hx-swap-oob="true">XK-2026-0042</dd>' in fragment
