"""The conversation page's follow-up messages, the send page's choices and the dashboard (the API: test_api.py)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.exchange.models import OutboxMessage
from trm.transnational import workflows
from trm.transnational.models import Link

from .test_workflows import offer_from_peer

OTHERS = [r for r in Role if r != Role.FOCAL_POINT]


@pytest.fixture
def sent(two):
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


def test_the_page_offers_a_form_with_only_the_chosen_messages_fields(two, sent):
    client = verified_client(two.focal)
    url = reverse("transnational:detail", args=[sent.conversation])
    page = client.get(url).content.decode()
    assert 'name="message"' in page and "family_tracing_request" not in page  # an adult's conversation
    form = client.get(url, {"message": "arrival_confirmation"}).content.decode()
    assert 'name="received_by"' in form and 'name="topics"' not in form and 'name="contact_point"' not in form
    assert "3, 6 and 12 months" in form


def test_a_message_the_conversation_does_not_allow_is_a_400_and_nothing_is_sent(two, sent):
    client = verified_client(two.focal)
    before = OutboxMessage.objects.count()
    url = reverse("transnational:act", args=[sent.conversation, "follow-up"])
    assert client.post(url, {"type": "family_tracing_request", "relationship": "mother"}).status_code == 400
    assert client.post(url, {"type": "nonsense"}).status_code == 400
    assert client.post(url, {"type": "arrival_confirmation"}).status_code == 400  # received_by missing
    assert OutboxMessage.objects.count() == before


def test_the_send_page_sends_a_notification_alone_with_handling_restrictions(two):
    case = two.case()
    client = verified_client(two.focal)
    url = reverse("transnational:send", args=[case.reference])
    data = {
        "to_node": PEER,
        "offer": "notification",
        "requested_actions": ["risk_assessment"],
        "urgency": "priority",
        "handling_codes": ["H0", "H2"],
    }
    preview = client.post(url, {**data, "preview": "1"}).content.decode()
    assert "referral_offer" not in preview and "consent_ref" in preview  # the JSON, behind its toggle
    assert "Use only for the stated purpose" in preview and "No onward transmission" in preview
    assert "Risk and security assessment" in preview and "The person&#x27;s consent" in preview
    assert client.post(url, {**data, "send": "1"}).status_code == 302
    (row,) = OutboxMessage.objects.all()
    assert row.type == "case_notification" and row.envelope["handling"]["codes"] == ["H0", "H2"]


@pytest.mark.parametrize(
    "data",
    [
        {"requested_actions": ["identity_verification"]},  # an applicant for protection
        {"handling_codes": ["H3"]},  # conditions not written
        {"offer": "referral"},  # no service
    ],
)
def test_the_send_page_refuses_and_stores_nothing(two, data):
    case = two.case(asylum_seeker=True)
    url = reverse("transnational:send", args=[case.reference])
    body = {"to_node": PEER, "offer": "notification", "urgency": "routine", "send": "1", **data}
    response = verified_client(two.focal).post(url, body)
    assert response.status_code == 400
    assert not OutboxMessage.objects.exists() and not Link.objects.exists()


def test_an_urgent_alert_comes_first_on_the_receiving_dashboard(two):
    conversation = uuid.uuid4()
    two.receive(
        "urgent_alert",
        {"case_ref": "XK-REF-9", "alert_kind": "missing_child", "is_child": True, "contact_point": "Duty desk"},
        conversation=conversation,
        purpose="protection",
        legal_basis="vital_interests",
        consent_ref=None,
    )
    html = verified_client(two.focal).get("/").content.decode()
    assert "Urgent alert from another country" in html and "XK-REF-9" in html


def test_the_dashboard_lists_post_return_reports_due(two):
    link = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    import datetime as dt

    from django.utils import timezone

    arrived = timezone.localdate() - dt.timedelta(days=85)
    workflows.send(
        link, by=two.focal, kind="arrival_confirmation", data={"received_by": "Synthetic NGO", "date": arrived}
    )
    html = verified_client(two.focal).get("/").content.decode()
    assert "Post-return reports due" in html and "3-month report" in html
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "Post-return reports" in page


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_cannot_send_follow_ups(two, sent, role):
    client = verified_client(make_user(role, org=two.focal.organisation))
    before = OutboxMessage.objects.count()
    page = client.post(
        reverse("transnational:act", args=[sent.conversation, "follow-up"]),
        {"type": "case_closure", "closure_reason": "other"},
    )
    assert page.status_code == 404
    assert (
        client.get(reverse("transnational:detail", args=[sent.conversation]), {"message": "urgent_alert"}).status_code
        == 404
    )
    assert OutboxMessage.objects.count() == before


def test_sending_a_follow_up_is_audited_with_ids_only(two, sent):
    workflows.send(
        sent,
        by=two.focal,
        kind="urgent_alert",
        data={
            "alert_kind": "immediate_danger",
            "contact_point": "Duty desk",
            "remarks": "Synthetic danger description.",
        },
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert "Synthetic danger" not in str(event.__dict__) and "Testova" not in str(event.__dict__)


def test_the_inbox_lists_the_messages_received_with_their_conversation(two):
    link = offer_from_peer(two, uuid.uuid4())
    html = verified_client(two.focal).get(reverse("transnational:inbox")).content.decode()
    assert "Latest messages received" in html and "Referral offer" in html
    assert reverse("transnational:detail", args=[link.conversation]) in html
    assert "Synthetica" not in html  # types, times and states only


def test_the_timeline_names_each_message_and_its_receipt(two, sent):
    two.receive(
        "referral_accept",
        {
            "case_ref": sent.case.reference,
            "accepted_services": ["shelter"],
            "reception_organisation": "Synthetic Reception NGO",
        },
        conversation=sent.conversation,
        in_reply_to=sent.offer_message_id,
    )
    html = verified_client(two.focal).get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    assert "Referral accepted" in html and "signed receipt returned" in html and 'id="link-status">Accepted' in html


def test_an_urgent_alert_panel_is_ordered_first(two, rf):
    from trm.transnational import views

    two.receive(
        "urgent_alert",
        {"case_ref": "XK-REF-9", "alert_kind": "immediate_danger", "is_child": False, "contact_point": "Duty desk"},
        conversation=uuid.uuid4(),
        purpose="protection",
        legal_basis="vital_interests",
        consent_ref=None,
    )
    request = rf.get("/")
    request.user = two.focal
    panel = views.dashboard_panel(request)
    assert panel is not None and panel.order == 1
    request.user = two.responder
    assert views.dashboard_panel(request) is None
