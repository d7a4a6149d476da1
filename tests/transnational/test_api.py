from __future__ import annotations

import uuid

import pytest

from tests.exchange.shell_support import PEER
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.exchange.models import OutboxMessage
from trm.transnational.models import Link, LinkStatus

from .test_workflows import offer_from_peer

API = "/api/transnational"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


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
        {"to_node": PEER, "services": ["shelter"]},  # no case
        {"case": "X", "to_node": PEER, "services": []},
        {"case": "X", "to_node": PEER, "services": ["spa"]},
        {"case": "X", "to_node": "zz.nowhere", "services": ["shelter"]},
        {"case": "X", "to_node": PEER, "services": ["shelter"], "urgency": "whenever"},
    ],
)
def test_bad_input_is_a_4xx_and_nothing_is_sent(two, body):
    case = two.case()
    if body.get("case") == "X":
        body = {**body, "case": case.reference}
    response = post(verified_client(two.focal), f"{API}/", body)
    assert response.status_code in (400, 422)
    assert not OutboxMessage.objects.exists() and not Link.objects.exists()


def test_no_consent_is_a_400_with_the_reason(two):
    case = two.case(consented=False)
    response = post(verified_client(two.focal), f"{API}/", {"case": case.reference, "to_node": PEER,
                                                             "services": ["shelter"]})
    assert response.status_code == 400 and "consented" in response.json()["detail"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.FOCAL_POINT])
def test_other_roles_are_refused(two, role):
    link = offer_from_peer(two, uuid.uuid4())
    client = verified_client(make_user(role, org=two.focal.organisation))
    assert client.get(f"{API}/").status_code == 403
    assert client.get(f"{API}/{link.conversation}").status_code == 403
    assert post(client, f"{API}/{link.conversation}/accept").status_code == 403
    link.refresh_from_db()
    assert link.status == LinkStatus.OFFERED


def test_accept_and_decline(two):
    client = verified_client(two.focal)
    link = offer_from_peer(two, uuid.uuid4())
    assert post(client, f"{API}/{link.conversation}/accept").json()["status"] == "accepted"
    assert post(client, f"{API}/{link.conversation}/accept").status_code == 400
    other = offer_from_peer(two, uuid.uuid4())
    assert post(client, f"{API}/{other.conversation}/decline", {"reason": "later"}).status_code == 400
    assert post(client, f"{API}/{other.conversation}/decline", {"reason": "safety"}).json()["status"] == "declined"
    assert client.get(f"{API}/{uuid.uuid4()}").status_code == 404
