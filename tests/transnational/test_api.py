"""The transnational API: each refusal is the verb's own, with its exact status, and nothing is stored.

Statuses follow ``trm.lib.refusals``: another role 403, a conversation or case the caller
may not see 404, a step the state forbids 409, bad input 400 (field errors).
"""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.cases import casework
from trm.exchange.models import OutboxMessage
from trm.transnational import api, workflows
from trm.transnational.forms import DeclineForm
from trm.transnational.models import Link, LinkStatus

from .test_workflows import offer_from_peer

API = "/api/transnational"
OTHERS = [r for r in Role if r != Role.FOCAL_POINT]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def nothing_sent() -> bool:
    return not OutboxMessage.objects.exists() and not Link.objects.filter(direction="outgoing").exists()


@pytest.fixture
def sent(two):
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


def test_the_focal_point_sends_and_lists(two):
    case = two.case()
    client = verified_client(two.focal)
    response = post(client, f"{API}/", {"case": case.reference, "to_node": PEER, "services": ["shelter"]})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "offered"
    listed = client.get(f"{API}/").json()
    assert [item["case"] for item in listed] == [case.reference]
    detail = client.get(f"{API}/{listed[0]['conversation']}").json()
    assert [m["type"] for m in detail["messages"]] == ["case_notification", "referral_offer"]


@pytest.mark.parametrize(
    "body",
    [
        {"services": []},  # an offer without a service
        {"services": ["spa"]},
        {"to_node": "zz.nowhere"},
        {"urgency": "whenever"},
        {"purpose": "holiday"},
        {"handling_codes": ["H3"]},  # conditions not written out
    ],
)
def test_bad_input_is_a_400_and_nothing_is_sent(two, body):
    case = two.case()
    response = post(
        verified_client(two.focal),
        f"{API}/",
        {"case": case.reference, "to_node": PEER, "services": ["shelter"], **body},
    )
    assert response.status_code == 400, response.content
    assert nothing_sent()


def test_a_body_that_is_not_the_schema_is_a_400_and_nothing_is_sent(two):
    # Checked by the schema before any verb runs; the API answers it as a 400 problem like any bad input.
    response = post(verified_client(two.focal), f"{API}/", {"to_node": PEER, "services": "shelter"})
    assert response.status_code == 400
    assert nothing_sent()


def test_form_errors_are_raised_as_field_errors():
    with pytest.raises(ValidationError) as info:
        api._valid(DeclineForm({"reason": "later"}))
    assert set(info.value.error_dict) == {"reason"}


def test_a_missing_basis_or_a_closed_case_is_a_409(two):
    client = verified_client(two.focal)
    no_consent = two.case(consented=False)
    assert (
        post(client, f"{API}/", {"case": no_consent.reference, "to_node": PEER, "services": ["shelter"]}).status_code
        == 409
    )
    closed = two.case()
    casework.close(closed, by=two.focal, reason="recovered")
    assert (
        post(client, f"{API}/", {"case": closed.reference, "to_node": PEER, "services": ["shelter"]}).status_code == 409
    )
    assert nothing_sent()


def test_an_unknown_case_is_a_404(two):
    response = post(
        verified_client(two.focal), f"{API}/", {"case": "SE-NOPE", "to_node": PEER, "services": ["shelter"]}
    )
    assert response.status_code == 404
    assert nothing_sent()


def test_what_is_never_asked_for_an_applicant_for_protection_is_a_400(two):
    client = verified_client(two.focal)
    case = two.case(asylum_seeker=True)
    body = {"case": case.reference, "to_node": PEER, "offer": False, "requested_actions": ["identity_verification"]}
    assert post(client, f"{API}/", body).status_code == 400
    assert nothing_sent()
    body["requested_actions"] = ["risk_assessment"]
    assert post(client, f"{API}/", body).json()["status"] == "notified"


@pytest.mark.parametrize("role", OTHERS)
def test_every_other_role_gets_403_and_nothing_changes(two, sent, role):
    link = offer_from_peer(two, uuid.uuid4())
    client = verified_client(make_user(role, org=two.focal.organisation))
    before = OutboxMessage.objects.count()
    assert client.get(f"{API}/").status_code == 403
    assert client.get(f"{API}/{link.conversation}").status_code == 403
    assert post(client, f"{API}/{link.conversation}/accept").status_code == 403
    assert post(client, f"{API}/{link.conversation}/decline", {"reason": "safety"}).status_code == 403
    assert post(client, f"{API}/{sent.conversation}/withdraw", {"reason": "duplicate"}).status_code == 403
    assert (
        post(
            client, f"{API}/{sent.conversation}/messages", {"type": "case_closure", "data": {"closure_reason": "other"}}
        ).status_code
        == 403
    )
    assert (
        post(client, f"{API}/", {"case": sent.case.reference, "to_node": PEER, "services": ["shelter"]}).status_code
        == 403
    )
    link.refresh_from_db()
    sent.refresh_from_db()
    assert (link.status, sent.status) == (LinkStatus.OFFERED, LinkStatus.OFFERED)
    assert OutboxMessage.objects.count() == before


def test_a_guessed_conversation_is_a_404(two):
    client = verified_client(two.focal)
    guess = uuid.uuid4()
    assert client.get(f"{API}/{guess}").status_code == 404
    assert post(client, f"{API}/{guess}/accept").status_code == 404
    assert (
        post(
            client, f"{API}/{guess}/messages", {"type": "case_closure", "data": {"closure_reason": "other"}}
        ).status_code
        == 404
    )


def test_accept_and_decline(two):
    client = verified_client(two.focal)
    link = offer_from_peer(two, uuid.uuid4())
    assert post(client, f"{API}/{link.conversation}/accept").json()["status"] == "accepted"
    assert post(client, f"{API}/{link.conversation}/accept").status_code == 409  # answered already
    assert len(two.sent("referral_accept")) == 1
    other = offer_from_peer(two, uuid.uuid4())
    assert post(client, f"{API}/{other.conversation}/decline", {"reason": "later"}).status_code == 400
    assert post(client, f"{API}/{other.conversation}/decline", {"reason": "safety"}).json()["status"] == "declined"
    assert post(client, f"{API}/{other.conversation}/decline", {"reason": "safety"}).status_code == 409


def test_the_sender_cannot_answer_its_own_offer(two, sent):
    client = verified_client(two.focal)
    assert post(client, f"{API}/{sent.conversation}/accept").status_code == 403
    assert post(client, f"{API}/{sent.conversation}/decline", {"reason": "safety"}).status_code == 403
    assert not two.sent("referral_accept") and not two.sent("referral_decline")


def test_follow_ups_and_withdrawal(two, sent):
    client = verified_client(two.focal)
    messages = f"{API}/{sent.conversation}/messages"
    assert (
        post(
            client, messages, {"type": "risk_assessment_request", "data": {"topics": ["retaliation_risk"]}}
        ).status_code
        == 200
    )
    assert post(client, messages, {"type": "risk_assessment_request", "data": {}}).status_code == 400
    assert post(client, messages, {"type": "nonsense"}).status_code == 400
    assert (
        post(
            client,
            messages,
            {
                "type": "family_tracing_request",  # an adult's conversation
                "data": {"relationship": "mother"},
            },
        ).status_code
        == 400
    )
    assert (
        post(
            client,
            messages,
            {
                "type": "risk_assessment_response",  # nothing to answer yet
                "data": {"overall_risk": "low", "recommendation": "return_possible"},
            },
        ).status_code
        == 409
    )
    assert post(client, f"{API}/{sent.conversation}/withdraw", {"reason": "because"}).status_code == 400
    assert post(client, f"{API}/{sent.conversation}/withdraw", {"reason": "duplicate"}).json()["status"] == "withdrawn"
    assert post(client, f"{API}/{sent.conversation}/withdraw", {"reason": "duplicate"}).status_code == 409
    assert post(client, messages, {"type": "case_closure", "data": {"closure_reason": "other"}}).status_code == 409
    assert [r.type for r in OutboxMessage.objects.order_by("created", "id")] == [
        "case_notification",
        "referral_offer",
        "risk_assessment_request",
        "referral_withdraw",
    ]
