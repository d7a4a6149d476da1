"""A question and its answer, from either side of a live conversation (the API: the same verbs)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.exchange.models import OutboxMessage
from trm.lib.refusals import Conflict
from trm.transnational import workflows
from trm.transnational.models import LinkStatus

from .test_workflows import offer_from_peer

API = "/api/transnational"
OTHERS = [r for r in Role if r != Role.FOCAL_POINT]
QUESTION = {"question": "Is a ground-floor room available?", "question_topics": ["needs", "services"]}


@pytest.fixture
def sent(two):
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


def test_the_receiver_asks_before_deciding_and_the_offer_still_waits(two):
    link = offer_from_peer(two, uuid.uuid4())
    workflows.send(link, kind="information_request", data=QUESTION, by=two.focal)
    (row,) = two.sent("information_request")
    assert row.recipient == PEER and row.conversation == link.conversation
    assert row.envelope["body"] == {
        "case_ref": "XK-REF-1",
        "question": "Is a ground-floor room available?",
        "topics": ["needs", "services"],
    }
    assert row.envelope["purpose"] == "case_management"
    assert row.envelope["consent_ref"] == "CONSENT-7"  # the basis the sending country named
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED and link.can("accept")


def test_the_sender_answers_the_latest_question_it_received(two, sent):
    two.receive(
        "information_request", {"case_ref": sent.case.reference, "question": "First?"}, conversation=sent.conversation
    )
    two.receive(
        "information_request", {"case_ref": sent.case.reference, "question": "Second?"}, conversation=sent.conversation
    )
    workflows.send(sent, kind="information_response", data={"answer": "Yes, both."}, by=two.focal)
    (answer,) = two.sent("information_response")
    assert str(answer.in_reply_to) == str(two.net_inbox("information_request").message_id)
    assert answer.envelope["body"] == {"case_ref": sent.case.reference, "answer": "Yes, both."}


def test_the_sender_asks_and_the_receiver_answers_with_its_own_case(two, sent):
    workflows.send(sent, kind="information_request", data={"question": "Has the shelter a place?"}, by=two.focal)
    assert two.sent("information_request")[0].envelope["body"] == {
        "case_ref": sent.case.reference,
        "question": "Has the shelter a place?",
    }
    # On the other side of a conversation: this node accepted an offer and is asked.
    link = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    two.receive("information_request", {"case_ref": "XK-REF-1", "question": "Arrived?"}, conversation=link.conversation)
    workflows.send(link, kind="information_response", data={"answer": "Not yet."}, by=two.focal)
    body = two.sent("information_response")[0].envelope["body"]
    assert body == {"case_ref": "XK-REF-1", "receiver_case_ref": link.case.reference, "answer": "Not yet."}


def test_the_conversation_shows_the_question_and_the_answer_as_text(two, sent):
    two.receive(
        "information_request",
        {"case_ref": sent.case.reference, "question": "Which languages\ndoes she speak?", "topics": ["identity"]},
        conversation=sent.conversation,
    )
    workflows.send(sent, kind="information_response", data={"answer": "Romanian."}, by=two.focal)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    assert "Which languages<br>does she speak?" in page and "About</dt><dd>Identity" in page
    assert "Answer to a question" in page and "Romanian." in page
    assert "In reply to: Question of " in page


def test_an_answer_without_a_question_is_a_409_and_nothing_is_sent(two, sent):
    client = verified_client(two.focal)
    url = reverse("transnational:act", args=[sent.conversation, "follow-up"])
    assert client.post(url, {"type": "information_response", "answer": "Yes."}).status_code == 409
    assert not two.sent("information_response")


def test_an_empty_question_is_a_400(two, sent):
    client = verified_client(two.focal)
    url = reverse("transnational:act", args=[sent.conversation, "follow-up"])
    response = client.post(url, {"type": "information_request", "question": ""})
    assert response.status_code == 400 and not two.sent("information_request")
    api = client.post(
        f"{API}/{sent.conversation}/messages",
        {"type": "information_request", "data": {"question": "x" * 4001}},
        content_type="application/json",
    )
    assert api.status_code == 400 and not two.sent("information_request")


def test_no_question_in_a_closed_conversation(two, sent):
    workflows.withdraw(sent, by=two.focal)
    with pytest.raises(Conflict):
        workflows.send(sent, kind="information_request", data=QUESTION, by=two.focal)
    client = verified_client(two.focal)
    page = client.post(
        reverse("transnational:act", args=[sent.conversation, "follow-up"]), {"type": "information_request", **QUESTION}
    )
    assert page.status_code == 409 and b"closed" in page.content
    api = client.post(
        f"{API}/{sent.conversation}/messages",
        {"type": "information_request", "data": QUESTION},
        content_type="application/json",
    )
    assert api.status_code == 409
    declined = workflows.decline(offer_from_peer(two, uuid.uuid4()), by=two.focal, reason="no_capacity")
    with pytest.raises(ValidationError, match="closed"):
        workflows.send(declined, kind="information_request", data=QUESTION, by=two.focal)
    assert not two.sent("information_request")


@pytest.mark.parametrize("role", OTHERS)
def test_a_role_without_the_capability_cannot_ask(two, sent, role):
    user = make_user(role, org=two.focal.organisation)
    with pytest.raises(PermissionDenied):
        workflows.send(sent, kind="information_request", data=QUESTION, by=user)
    response = verified_client(user).post(
        f"{API}/{sent.conversation}/messages",
        {"type": "information_request", "data": QUESTION},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not OutboxMessage.objects.filter(type="information_request").exists()
