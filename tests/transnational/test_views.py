from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.exchange.models import OutboxMessage
from trm.transnational import workflows
from trm.transnational.models import Link, LinkStatus

from .test_workflows import offer_from_peer

OTHERS = [r for r in Role if r != Role.FOCAL_POINT]


def test_the_focal_point_sees_the_inbox(two):
    offer_from_peer(two, uuid.uuid4())
    page = verified_client(two.focal).get(reverse("transnational:inbox"))
    assert page.status_code == 200
    assert b"Received" in page.content and b"XK" in page.content


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_is_refused(two, role):
    link = offer_from_peer(two, uuid.uuid4())
    case = two.case()
    client = verified_client(make_user(role, org=two.focal.organisation))
    assert client.get(reverse("transnational:inbox")).status_code == 403
    assert client.get(reverse("transnational:detail", args=[link.conversation])).status_code == 404
    assert client.post(reverse("transnational:act", args=[link.conversation, "accept"])).status_code == 404
    assert client.get(reverse("transnational:send", args=[case.reference])).status_code in (403, 404)
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED and link.case_id is None


def test_a_guessed_conversation_is_not_found(two):
    client = verified_client(two.focal)
    assert client.get(reverse("transnational:detail", args=[uuid.uuid4()])).status_code == 404


def test_the_send_page_previews_exactly_what_leaves(two):
    case = two.case()
    client = verified_client(two.focal)
    url = reverse("transnational:send", args=[case.reference])
    assert client.get(url).status_code == 200
    page = client.post(url, {"to_node": PEER, "services": ["shelter"], "urgency": "routine", "preview": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Exactly what will leave this node" in html and "case_notification" in html
    assert "Testova" not in html  # identity not shared unless ticked
    assert not OutboxMessage.objects.exists()
    sent = client.post(url, {"to_node": PEER, "services": ["shelter"], "urgency": "routine", "send": "1"})
    link = Link.objects.get()
    assert sent["Location"] == reverse("transnational:detail", args=[link.conversation])
    assert OutboxMessage.objects.count() == 2
    detail = client.get(sent["Location"]).content.decode()
    assert "Shared timeline" in detail and "referral_offer" in detail


@pytest.mark.parametrize(
    "data",
    [
        {"to_node": PEER, "urgency": "routine", "send": "1"},  # no service
        {"to_node": "zz.nowhere", "services": ["shelter"], "urgency": "routine", "send": "1"},
        {"to_node": PEER, "services": ["spa"], "urgency": "routine", "send": "1"},
    ],
)
def test_bad_input_is_a_400_and_nothing_is_sent(two, data):
    case = two.case()
    response = verified_client(two.focal).post(reverse("transnational:send", args=[case.reference]), data)
    assert response.status_code == 400
    assert not OutboxMessage.objects.exists() and not Link.objects.exists()


def test_no_consent_is_a_clear_form_error_with_a_409(two):
    case = two.case(consented=False)
    response = verified_client(two.focal).post(
        reverse("transnational:send", args=[case.reference]),
        {"to_node": PEER, "services": ["shelter"], "urgency": "routine", "send": "1"},
    )
    assert response.status_code == 409 and b"not consented" in response.content
    assert not OutboxMessage.objects.exists()


def test_accept_and_decline_from_the_page(two):
    client = verified_client(two.focal)
    link = offer_from_peer(two, uuid.uuid4())
    response = client.post(reverse("transnational:act", args=[link.conversation, "accept"]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkStatus.ACCEPTED and link.case is not None
    again = client.post(reverse("transnational:act", args=[link.conversation, "accept"]))
    assert again.status_code == 409  # answered already
    other = offer_from_peer(two, uuid.uuid4())
    assert client.post(reverse("transnational:act", args=[other.conversation, "decline"]), {}).status_code == 400
    assert (
        client.post(
            reverse("transnational:act", args=[other.conversation, "decline"]), {"reason": "no_capacity"}
        ).status_code
        == 302
    )
    assert client.post(reverse("transnational:act", args=[other.conversation, "nonsense"])).status_code == 404


def test_the_case_page_offers_the_transnational_referral(two):
    case = two.case()
    workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    html = verified_client(two.focal).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Transnational referrals" in html and reverse("transnational:send", args=[case.reference]) in html


def test_the_dashboard_shows_offers_awaiting_an_answer(two):
    offer_from_peer(two, uuid.uuid4())
    html = verified_client(two.focal).get("/").content.decode()
    assert "Received referrals awaiting your answer" in html
