"""Cross-border compensation claims (Directive 2004/80/EC) over trm/1, with the peer node simulated.

This node as the assisting authority passes a claim and mirrors the answer; as the deciding
authority it records a received claim against its linked case and answers each change.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.exchange.shell_support import PEER
from tests.factories import make_user
from tests.transnational.test_workflows import offer_from_peer
from trm.accounts.roles import Role
from trm.exchange.models import InboxMessage
from trm.justice import compensation, compensation_abroad
from trm.justice.models.compensation import AbroadRole, Claim, ClaimStatus
from trm.lib.refusals import Conflict
from trm.transnational import workflows

from .builders import claim, days_ago

CM = {"purpose": "case_management"}


@pytest.fixture
def accepted(two):
    """A referral from the peer accepted here: the person lives here, the crime happened there."""
    return workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)


@pytest.fixture
def sent(two):
    """A referral this node sent: the crime happened here, the person lives at the peer's."""
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


def test_the_assisting_node_passes_a_claim_and_mirrors_the_decision_and_payments(two, accepted):
    made = claim(accepted.case, two.focal, kind="cross_border", currency_code="EUR", amount_claimed="12500")
    compensation_abroad.send_claim(made, link=accepted, by=two.focal)
    made.refresh_from_db()
    assert made.status == ClaimStatus.FILED and made.abroad_role == AbroadRole.ASSISTING and made.link == accepted
    (row,) = two.sent("compensation_claim")
    assert row.recipient == PEER and row.conversation == accepted.conversation
    body = row.envelope["body"]
    assert body["case_ref"] == "XK-REF-1" and body["receiver_case_ref"] == accepted.case.reference
    assert body["claim_ref"] == made.reference and body["amount_claimed"] == "12500.00" and body["currency"] == "EUR"
    assert set(body) <= {
        "case_ref",
        "receiver_case_ref",
        "claim_ref",
        "currency",
        "amount_claimed",
        "submitted_on",
        "crime_country",
        "back_pay",
        "deciding_authority",
        "proceeding_ref",
    }
    # The assisting side decides nothing itself.
    with pytest.raises(Conflict):
        compensation.decide(made, awarded=True, decided_on=days_ago(0), amount_awarded="1", by=two.focal)

    answer = {
        "case_ref": "XK-REF-1",
        "claim_ref": made.reference,
        "decider_claim_ref": "CC-XK-00000001",
        "outcome": "paid_in_part",
        "currency": "EUR",
        "decided_on": str(days_ago(0)),
        "amount_awarded": "8000.00",
        "payments": [{"paid_on": str(days_ago(0)), "amount": "3000.00"}],
    }
    two.receive(
        "compensation_claim_answer", answer, conversation=accepted.conversation, in_reply_to=str(row.message_id), **CM
    )
    made.refresh_from_db()
    assert made.status == ClaimStatus.PAID_IN_PART and made.amount_awarded == Decimal("8000.00")
    assert made.amount_paid == Decimal("3000.00") and made.unpaid == Decimal("5000.00")
    assert made.remote_ref == "CC-XK-00000001"
    # An older state arriving late moves nothing back.
    stale = {**answer, "outcome": "filed"}
    for key in ("decided_on", "amount_awarded", "payments"):
        stale.pop(key)
    two.receive(
        "compensation_claim_answer", stale, conversation=accepted.conversation, in_reply_to=str(row.message_id), **CM
    )
    made.refresh_from_db()
    assert made.status == ClaimStatus.PAID_IN_PART and made.amount_paid == Decimal("3000.00")


def test_an_answer_with_payments_above_the_award_is_kept_unhandled(two, accepted):
    made = claim(accepted.case, two.focal, kind="cross_border")
    compensation_abroad.send_claim(made, link=accepted, by=two.focal)
    answer = {
        "case_ref": "XK-REF-1",
        "claim_ref": made.reference,
        "outcome": "paid",
        "currency": "EUR",
        "decided_on": str(days_ago(0)),
        "amount_awarded": "10.00",
        "payments": [{"paid_on": str(days_ago(0)), "amount": "10.01"}],
    }
    two.receive(
        "compensation_claim_answer", answer, conversation=accepted.conversation, in_reply_to=str(uuid.uuid4()), **CM
    )
    assert two.net_inbox("compensation_claim_answer").status == "unhandled"
    made.refresh_from_db()
    assert made.status == ClaimStatus.FILED and not made.payments.exists()


def test_the_deciding_node_records_a_received_claim_against_its_case_and_answers(two, sent):
    body = {
        "case_ref": sent.case.reference,
        "claim_ref": "CC-XK-5E1F0A2B",
        "currency": "EUR",
        "amount_claimed": "2000.00",
        "submitted_on": str(days_ago(20)),
        "crime_country": "SE",
    }
    two.receive("compensation_claim", body, conversation=sent.conversation, **CM)
    two.receive("compensation_claim", body, conversation=sent.conversation, **CM)  # the same claim again
    received = Claim.objects.get()
    assert received.case == sent.case and received.abroad_role == AbroadRole.DECIDING
    assert received.status == ClaimStatus.FILED and received.filed_on == days_ago(20)
    assert received.remote_ref == "CC-XK-5E1F0A2B" and received.amount_claimed == Decimal("2000.00")

    compensation.decide(received, awarded=True, decided_on=days_ago(2), amount_awarded="1500", by=two.focal)
    compensation.record_payment(received, amount_paid="500", paid_on=days_ago(1), by=two.focal)
    first, second = two.sent("compensation_claim_answer")
    received_first = InboxMessage.objects.filter(type="compensation_claim").order_by("received_at", "id").first()
    assert str(first.in_reply_to) == str(received_first.message_id) == str(second.in_reply_to)
    assert first.envelope["body"]["outcome"] == "awarded" and "payments" in first.envelope["body"]
    assert second.envelope["body"] == {
        "case_ref": sent.case.reference,
        "claim_ref": "CC-XK-5E1F0A2B",
        "decider_claim_ref": received.reference,
        "outcome": "paid_in_part",
        "currency": "EUR",
        "decided_on": str(days_ago(2)),
        "amount_awarded": "1500.00",
        "payments": [{"paid_on": str(days_ago(1)), "amount": "500.00"}],
    }


def test_a_claim_with_an_unknown_currency_is_kept_unhandled(two, sent):
    body = {
        "case_ref": sent.case.reference,
        "claim_ref": "CC-XK-1",
        "currency": "XYZ",
        "amount_claimed": "1.00",
        "submitted_on": str(days_ago(1)),
    }
    two.receive("compensation_claim", body, conversation=sent.conversation, **CM)
    assert two.net_inbox("compensation_claim").status == "unhandled" and not Claim.objects.exists()


def test_only_a_cross_border_claim_about_the_conversations_case_is_passed_on(two, accepted, sent):
    local = claim(accepted.case, two.focal, kind="civil_suit")
    with pytest.raises(ValidationError):
        compensation_abroad.send_claim(local, link=accepted, by=two.focal)
    other_case = claim(accepted.case, two.focal, kind="cross_border")
    with pytest.raises(ValidationError):
        compensation_abroad.send_claim(other_case, link=sent, by=two.focal)  # a conversation about another case
    cross = claim(accepted.case, two.focal, kind="cross_border")
    with pytest.raises(Conflict):
        compensation.file(cross, filed_on=days_ago(0), by=two.focal)  # filed by passing it on
    assert not two.sent("compensation_claim")


def test_a_role_without_the_transnational_capability_cannot_pass_a_claim_on(two, accepted):
    made = claim(accepted.case, two.focal, kind="cross_border")
    compensation_abroad.send_claim(made, link=accepted, by=two.focal)
    ca = make_user(Role.COMPETENT_AUTHORITY, org=two.focal.organisation)
    other = claim(accepted.case, two.focal, kind="cross_border")
    with pytest.raises((PermissionDenied,)):
        compensation_abroad.send_claim(other, link=accepted, by=ca)
    assert len(two.sent("compensation_claim")) == 1


def test_a_cross_border_claim_says_whether_it_includes_back_pay_and_the_deciding_node_shows_it(two, accepted, sent):
    from django.urls import reverse

    from tests.factories import verified_client

    wages = claim(
        accepted.case,
        two.focal,
        kind="cross_border",
        amount_claimed="18000",
        includes_back_pay=True,
        wages_owed="11000",
        wages_from=days_ago(300),
        wages_to=days_ago(90),
    )
    compensation_abroad.send_claim(wages, link=accepted, by=two.focal)
    plain = claim(accepted.case, two.focal, kind="cross_border")
    compensation_abroad.send_claim(plain, link=accepted, by=two.focal)
    with_wages, without = (row.envelope["body"] for row in two.sent("compensation_claim"))
    assert (with_wages["claim_ref"], with_wages["back_pay"]) == (wages.reference, True)
    assert (without["claim_ref"], without["back_pay"]) == (plain.reference, False)
    # The wages owed and their period stay here: the protocol carries the flag only.
    assert "11000" not in str(with_wages) and str(days_ago(300)) not in str(with_wages)

    # The deciding node records what it receives as including back pay and shows it.
    body = {
        "case_ref": sent.case.reference,
        "claim_ref": "CC-XK-0BAC0PA1",
        "currency": "EUR",
        "amount_claimed": "18000.00",
        "submitted_on": str(days_ago(3)),
        "back_pay": True,
    }
    two.receive("compensation_claim", body, conversation=sent.conversation, **CM)
    received = Claim.objects.get(abroad_role=AbroadRole.DECIDING)
    assert received.includes_back_pay and received.wages_owed is None
    page = verified_client(two.focal).get(reverse("justice:claim", args=[received.reference])).content.decode()
    assert "Includes wages owed for labour exploitation" in page
    api = verified_client(two.focal).get(f"/api/justice/compensation/claims/{received.reference}").json()
    assert api["includes_back_pay"] is True
