"""Back pay for labour exploitation: the wages owed on a claim, from its recording to a partial payment."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from tests.cases.builders import detect
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.justice import compensation
from trm.justice.models.compensation import Claim, ClaimStatus

from .builders import claim, days_ago

API = "/api/justice/compensation"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_a_back_pay_claim_is_filed_awarded_paid_in_part_and_shows_the_gap(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    response = client.post(
        reverse("justice:claim_new", args=[case.reference]),
        {
            "kind": "back_pay",
            "currency": "RON",
            "amount_claimed": "42000",
            "wages_from": days_ago(400),
            "wages_to": days_ago(150),
            "authority": "Labour Court",
        },
    )
    made = Claim.objects.get()
    assert response.status_code == 302 and made.kind == "back_pay" and made.includes_back_pay
    # A back-pay claim's wages owed are all of the amount claimed, for the period given.
    assert made.wages_owed == Decimal("42000.00") and (made.wages_from, made.wages_to) == (days_ago(400), days_ago(150))

    step = lambda action, data: client.post(reverse("justice:claim_action", args=[made.reference, action]), data)  # noqa: E731
    assert step("file", {"filed_on": days_ago(120)}).status_code == 302
    decision = {"outcome": "awarded", "decided_on": days_ago(30), "amount_awarded": "36000"}
    assert step("decide", decision).status_code == 302
    assert step("pay", {"amount": "12000", "paid_on": days_ago(10)}).status_code == 302
    made.refresh_from_db()
    assert made.status == ClaimStatus.PAID_IN_PART and made.unpaid == Decimal("24000.00")

    detail = client.get(reverse("justice:claim", args=[made.reference])).content.decode()
    assert "Includes wages owed for labour exploitation: 42000.00 RON" in detail
    assert 'id="claim-unpaid">24000.00 RON' in detail  # the gap between award and payments
    overview = client.get(reverse("justice:compensation")).content.decode()
    assert 'data-currency="RON"' in overview and "24000.00" in overview

    data = client.get(f"{API}/claims/{made.reference}").json()
    assert data["includes_back_pay"] is True and data["wages_owed"] == "42000.00"
    assert (data["wages_from"], data["wages_to"]) == (days_ago(400).isoformat(), days_ago(150).isoformat())
    assert (data["status"], data["amount_paid"], data["unpaid"]) == ("paid_in_part", "12000.00", "24000.00")
    (totals,) = client.get(f"{API}/totals").json()
    assert (totals["currency"], totals["unpaid"]) == ("RON", "24000.00")
    # The audit names the wage fields, never their amounts.
    created = AuditEvent.objects.get(object_ref=made.reference, action="create")
    assert "wages_owed" in created.fields and "42000" not in str(created.fields) + created.note


def test_another_claim_may_include_back_pay_as_part_of_what_is_claimed(world):
    case = detect(world.focal)
    response = _post(
        verified_client(world.focal),
        f"{API}/cases/{case.reference}/claims",
        {
            "kind": "civil_suit",
            "currency": "EUR",
            "amount_claimed": "20000",
            "includes_back_pay": True,
            "wages_owed": "7500.50",
            "wages_from": days_ago(300).isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["kind"], data["includes_back_pay"], data["wages_owed"]) == ("civil_suit", True, "7500.50")
    assert (data["wages_from"], data["wages_to"]) == (days_ago(300).isoformat(), None)
    # Without back pay, no wages are recorded.
    plain = claim(case, world.focal, kind="offender")
    assert (plain.includes_back_pay, plain.wages_owed, plain.wages_from) == (False, None, None)


def test_wages_owed_that_do_not_fit_the_claim_are_refused_audited_and_nothing_stored(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    url = f"{API}/cases/{case.reference}/claims"
    base = {"currency": "EUR", "amount_claimed": "1000"}
    refused = [
        ({"kind": "offender", "wages_owed": "500"}, "includes_back_pay"),  # no back pay on this claim
        ({"kind": "offender", "wages_from": days_ago(10).isoformat()}, "includes_back_pay"),
        ({"kind": "back_pay", "wages_owed": "1000.01"}, "wages_owed"),  # more than claimed
        ({"kind": "back_pay", "wages_owed": "-1"}, "wages_owed"),
        ({"kind": "back_pay", "wages_from": days_ago(5).isoformat(), "wages_to": days_ago(9).isoformat()}, "wages_to"),
        ({"kind": "back_pay", "wages_to": days_ago(-3).isoformat()}, "wages_to"),  # in the future
    ]
    for data, field in refused:
        response = _post(client, url, {**base, **data})
        assert response.status_code == 400, data
        assert [e["field"] for e in response.json()["errors"]] == [field], data
    assert not Claim.objects.exists()
    notes = list(AuditEvent.objects.filter(action="refused", object_ref=case.reference).values_list("note", flat=True))
    assert len(notes) == len(refused)
    assert sum("not_back_pay" in n for n in notes) == 2 and sum("wages_above_claimed" in n for n in notes) == 1


def test_a_back_pay_claim_is_always_marked_as_including_back_pay(world):
    made = compensation.open_claim(
        detect(world.focal), kind="back_pay", currency_code="SEK", amount_claimed="900", by=world.focal
    )
    assert made.includes_back_pay and made.wages_owed == Decimal("900.00") and made.wages_from is None
