from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from trm.exchange.models import OutboxMessage
from trm.transnational import workflows

from .test_workflows import offer_from_peer


@pytest.fixture
def sent(two):
    case = two.case()
    return workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])


def test_the_sender_requests_a_risk_assessment(two, sent):
    workflows.send(
        sent,
        by=two.focal,
        kind="risk_assessment_request",
        data={"topics": ["family_environment", "retaliation_risk"], "due_date": dt.date(2026, 12, 1)},
    )
    (row,) = two.sent("risk_assessment_request")
    assert row.conversation == sent.conversation and row.envelope["purpose"] == "risk_assessment"
    assert row.envelope["body"] == {
        "case_ref": sent.case.reference,
        "is_child": False,
        "topics": ["family_environment", "retaliation_risk"],
        "due_date": "2026-12-01",
    }


def test_identity_verification_is_never_requested_for_an_asylum_seeker(two):
    case = two.case(asylum_seeker=True)
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["legal"])
    with pytest.raises(ValidationError, match="never requested"):
        workflows.send(link, by=two.focal, kind="identity_verification_request", data={})
    assert not two.sent("identity_verification_request")


def test_identity_verification_carries_the_identity_otherwise(two, sent):
    workflows.send(sent, by=two.focal, kind="identity_verification_request", data={})
    body = two.sent("identity_verification_request")[0].envelope["body"]
    assert body["asylum_seeker"] is False and body["identity"]["family_name"] == "Testova"


def test_the_origin_reports_after_return(two):
    link = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    workflows.send(
        link,
        by=two.focal,
        kind="post_return_report",
        data={
            "months_after_return": "3",
            "reintegration_status": "progressing",
            "re_trafficking_alert": False,
            "remarks": "Attends vocational training.",
        },
    )
    row = two.sent("post_return_report")[0]
    assert row.envelope["body"]["case_ref"] == "XK-REF-1" and row.envelope["body"]["months_after_return"] == 3
    assert row.envelope["purpose"] == "monitoring"


def test_an_urgent_alert_goes_on_vital_interests(two, sent):
    workflows.send(
        sent,
        by=two.focal,
        kind="urgent_alert",
        data={"alert_kind": "missing_person", "contact_point": "Duty officer, +46 000 000"},
    )
    assert two.sent("urgent_alert")[0].envelope["legal_basis"] == "vital_interests"


def test_a_closed_conversation_takes_no_more_messages(two, sent):
    workflows.withdraw(sent, by=two.focal)
    with pytest.raises(ValidationError, match="closed"):
        workflows.send(sent, by=two.focal, kind="case_closure", data={"closure_reason": "other"})


def test_the_page_form_sends_and_refuses_incomplete_messages(two, sent):
    client = verified_client(two.focal)
    url = reverse("transnational:act", args=[sent.conversation, "follow-up"])
    before = OutboxMessage.objects.count()
    assert client.post(url, {"type": "post_return_report"}).status_code == 400
    assert OutboxMessage.objects.count() == before
    response = client.post(url, {"type": "case_closure", "closure_reason": "reintegrated", "date": "2026-11-20"})
    assert response.status_code == 302
    assert two.sent("case_closure")[0].envelope["body"] == {
        "case_ref": sent.case.reference,
        "reason": "reintegrated",
        "closed_on": "2026-11-20",
    }
    page = client.get(reverse("transnational:detail", args=[sent.conversation])).content.decode()
    assert "Send a message in this conversation" in page and "case_closure" in page
