"""Cross-border continuity: answers name the answering node's case, the other side keeps it, and is told.

This node plays both parts against the test peer: the sender (an outgoing conversation the
peer answers) and the receiver (an offer from the peer, accepted and answered here).
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.exchange.messages import MESSAGE_TYPES
from trm.exchange.models import InboxMessage
from trm.transnational import notices, workflows
from trm.transnational.kinds import KINDS
from trm.transnational.models import Link, LinkStatus, Notice, NoticeEvent

from .test_workflows import offer_from_peer

ACCEPT = {"accepted_services": ["shelter"], "reception_organisation": "Synthetic Reception NGO"}


def arrive(two, type_, body, *, conversation):
    """The peer sends a message of ``type_`` in ``conversation``, with the envelope its type needs."""
    extra = {"purpose": KINDS[type_].purpose}
    if MESSAGE_TYPES[type_].is_reply:
        extra["in_reply_to"] = str(uuid.uuid4())
    two.receive(type_, body, conversation=conversation, **extra)


@pytest.fixture
def sent(two):
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


# --- the receiving node's case reference ---------------------------------------------------------


def test_the_acceptance_carries_the_case_opened_here(two):
    link = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    (accept,) = two.sent("referral_accept")
    assert accept.envelope["body"]["receiver_case_ref"] == link.case.reference
    assert accept.envelope["body"]["case_ref"] == "XK-REF-1"  # the conversation's reference stays the sender's


def test_every_answer_sent_on_a_received_conversation_carries_it_once_a_case_is_open(two):
    conversation = uuid.uuid4()
    link = offer_from_peer(two, conversation)
    request = {"case_ref": "XK-REF-1", "is_child": False, "topics": ["retaliation_risk"]}
    two.receive("risk_assessment_request", request, conversation=conversation, purpose="risk_assessment")
    answer = {"overall_risk": "low", "recommendation": "return_possible"}
    workflows.send(link, kind="risk_assessment_response", data=answer, by=two.focal)
    before_case = two.sent("risk_assessment_response")[-1].envelope["body"]
    assert "receiver_case_ref" not in before_case  # no case here yet: nothing to name

    link = workflows.accept(link, by=two.focal)
    workflows.send(link, kind="risk_assessment_response", data=answer, by=two.focal)
    workflows.send(link, kind="arrival_confirmation", data={"received_by": "Reception NGO"}, by=two.focal)
    workflows.send(link, kind="case_closure", data={"closure_reason": "reintegrated"}, by=two.focal)
    assert two.sent("risk_assessment_response")[-1].envelope["body"]["receiver_case_ref"] == link.case.reference
    assert two.sent("arrival_confirmation")[0].envelope["body"]["receiver_case_ref"] == link.case.reference
    assert "receiver_case_ref" not in two.sent("case_closure")[0].envelope["body"]  # not a member of its schema


def test_the_sender_of_a_referral_never_adds_it(two, sent):
    conversation = sent.conversation
    request = {"case_ref": sent.case.reference, "is_child": False, "topics": ["retaliation_risk"]}
    two.receive("risk_assessment_request", request, conversation=conversation, purpose="risk_assessment")
    workflows.send(
        sent,
        kind="risk_assessment_response",
        data={"overall_risk": "low", "recommendation": "return_possible"},
        by=two.focal,
    )
    assert "receiver_case_ref" not in two.sent("risk_assessment_response")[0].envelope["body"]


def test_the_sender_keeps_the_other_nodes_case_reference_and_shows_it(two, sent):
    two.receive(
        "referral_accept",
        {"case_ref": sent.case.reference, "receiver_case_ref": "XK-2026-0007", **ACCEPT},
        conversation=sent.conversation,
        in_reply_to=str(sent.offer_message_id),
    )
    sent.refresh_from_db()
    assert sent.status == LinkStatus.ACCEPTED and sent.remote_case_ref == "XK-2026-0007"
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    assert "Case at the other node" in page and "XK-2026-0007" in page
    assert AuditEvent.objects.filter(object_ref=str(sent.conversation), fields=["remote_case_ref"]).exists()


def test_a_received_conversation_keeps_the_senders_reference(two):
    conversation = uuid.uuid4()
    link = offer_from_peer(two, conversation)
    body = {"case_ref": "XK-REF-1", "months_after_return": 3, "reintegration_status": "stable"}
    body.update(re_trafficking_alert=False, receiver_case_ref="XK-OTHER-1")  # not the peer's to rename
    two.receive("post_return_report", body, conversation=conversation, purpose="monitoring")
    link.refresh_from_db()
    assert link.remote_case_ref == "XK-REF-1"


# --- notifications -----------------------------------------------------------------------------


def test_the_focal_points_are_told_of_an_acceptance_in_app_and_by_email(
    two, sent, mailoutbox, django_capture_on_commit_callbacks
):
    two.focal.email = "focal@se.invalid"
    two.focal.save(update_fields=["email"])
    other_focal = make_user(Role.FOCAL_POINT, email="second@se.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        two.receive(
            "referral_accept",
            {"case_ref": sent.case.reference, "receiver_case_ref": "XK-2026-0007", **ACCEPT},
            conversation=sent.conversation,
            in_reply_to=str(sent.offer_message_id),
        )
    told = Notice.objects.filter(link=sent)
    assert {n.recipient_id for n in told} == {two.focal.pk, other_focal.pk}
    assert {n.event for n in told} == {NoticeEvent.ACCEPTED}
    assert not Notice.objects.filter(recipient=two.responder).exists()
    assert sorted(m.to[0] for m in mailoutbox) == ["focal@se.invalid", "second@se.invalid"]
    mail = mailoutbox[0]
    assert "Kosovo* accepted the referral" in mail.subject and str(sent.conversation) in mail.body
    # Nothing of the person or of the body: no name, no case reference of either node.
    for secret in ("Testova", sent.case.reference, "XK-2026-0007", "Synthetic Reception"):
        assert secret not in mail.subject + mail.body


@pytest.mark.parametrize(
    ("type_", "body", "event"),
    [
        ("referral_decline", {"reason": "no_capacity"}, NoticeEvent.DECLINED),
        ("risk_assessment_request", {"is_child": False, "topics": ["retaliation_risk"]}, NoticeEvent.QUESTION),
        (
            "risk_assessment_response",
            {"overall_risk": "low", "recommendation": "return_possible", "assessed_on": "2026-01-05"},
            NoticeEvent.ANSWER,
        ),
        ("case_closure", {"reason": "reintegrated", "closed_on": "2026-01-05"}, NoticeEvent.MESSAGE),
    ],
)
def test_each_arrival_is_told_as_its_event(two, sent, type_, body, event):
    arrive(two, type_, {"case_ref": sent.case.reference, **body}, conversation=sent.conversation)
    assert Notice.objects.get(recipient=two.focal, message_type=type_).event == event


def test_questions_and_answers_are_known_by_their_kind_and_the_free_ones_by_name():
    assert notices.event_for("identity_verification_request") == NoticeEvent.QUESTION
    assert notices.event_for("family_tracing_response") == NoticeEvent.ANSWER
    assert notices.event_for("information_request") == NoticeEvent.QUESTION
    assert notices.event_for("information_response") == NoticeEvent.ANSWER
    assert notices.event_for("referral_withdraw") == NoticeEvent.WITHDRAWN


def test_a_new_referral_is_told_once_and_opening_the_conversation_reads_it(two):
    link = offer_from_peer(two, uuid.uuid4())  # a notification, then its offer
    assert Notice.objects.filter(recipient=two.focal, link=link).count() == 1
    client = verified_client(two.focal)
    dashboard = client.get(reverse("dashboard:home")).content.decode()
    assert (
        "1 unread notification" in dashboard and reverse("transnational:detail", args=[link.conversation]) in dashboard
    )
    client.get(reverse("transnational:detail", args=[link.conversation]))
    assert not notices.unread_for(two.focal).exists()


def test_a_notice_says_when_access_has_ended_instead_of_linking(two, sent):
    arrive(
        two, "referral_decline", {"case_ref": sent.case.reference, "reason": "safety"}, conversation=sent.conversation
    )
    url = reverse("transnational:detail", args=[sent.conversation])
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:notifications")).content.decode()
    assert f'href="{url}"' in page and "Kosovo* declined the referral" in page
    two.focal.groups.clear()  # no longer a focal point
    page = client.get(reverse("transnational:notifications")).content.decode()
    assert f'href="{url}"' not in page and "You no longer have access to this conversation" in page
    assert client.get(url).status_code == 404
    dashboard = client.get(reverse("dashboard:home")).content.decode()
    assert "You no longer have access to this conversation" in dashboard and f'href="{url}"' not in dashboard


def test_one_reads_only_ones_own_notices(two, sent):
    arrive(
        two, "referral_decline", {"case_ref": sent.case.reference, "reason": "safety"}, conversation=sent.conversation
    )
    other = verified_client(two.responder)
    assert "declined" not in other.get(reverse("transnational:notifications")).content.decode()
    assert other.post(reverse("transnational:notifications")).status_code == 302
    assert notices.unread_for(two.focal).count() == 1


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "body"),
    [
        ("referral_accept", ACCEPT),
        ("referral_withdraw", {"offer_id": str(uuid.uuid4()), "reason": "duplicate"}),
        (
            "risk_assessment_response",
            {"overall_risk": "low", "recommendation": "return_possible", "assessed_on": "2026-01-05"},
        ),
        (
            "post_return_report",
            {"months_after_return": 3, "reintegration_status": "stable", "re_trafficking_alert": False},
        ),
        ("consent_withdrawn", {"instruction": "erase", "scope": "conversation", "withdrawn_on": "2026-01-05"}),
    ],
)
def test_an_answer_in_a_conversation_unknown_here_is_refused_audited_and_stores_nothing(two, type_, body):
    conversation = uuid.uuid4()
    arrive(two, type_, {"case_ref": "XK-REF-404", **body}, conversation=conversation)
    row = InboxMessage.objects.get(conversation=conversation)
    assert (row.status, row.last_error) == ("unhandled", "unknown_conversation")
    assert not Link.objects.exists() and not Notice.objects.exists()
    refusal = AuditEvent.objects.get(action="refused", object_ref=str(row.message_id))
    assert refusal.note == "not processed: unknown_conversation"


def test_a_message_in_another_nodes_conversation_touches_nothing(two, sent):
    """The same conversation id from a node it is not held with: set aside, never joined."""
    from trm.exchange.models import InboxMessage as Row

    arrive(
        two,
        "case_closure",
        {"case_ref": "XK-REF-1", "reason": "reintegrated", "closed_on": "2026-01-05"},
        conversation=sent.conversation,
    )
    Link.objects.filter(pk=sent.pk).update(peer="rs.nrm")  # as if the conversation were held with another node
    arrive(
        two,
        "case_closure",
        {"case_ref": "XK-REF-1", "reason": "reintegrated", "closed_on": "2026-01-05"},
        conversation=sent.conversation,
    )
    last = Row.objects.filter(conversation=sent.conversation).order_by("-received_at", "-id").first()
    assert (last.status, last.last_error) == ("unhandled", "unknown_conversation")
    assert Notice.objects.filter(link=sent).count() == 1  # the first one only
