"""The compensation pages and API: who gets what, bad input as a clear 400 with nothing stored, refusals audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.cases.builders import detect
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.justice.models.compensation import Claim, ClaimStatus, Payment

from .builders import awarded, claim, days_ago

API = "/api/justice/compensation"


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_focal_point_records_a_claim_award_and_partial_payment_on_pages(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    page = client.get(reverse("cases:detail", args=[case.reference]))
    assert page.status_code == 200 and reverse("justice:claim_new", args=[case.reference]).encode() in page.content
    response = client.post(
        reverse("justice:claim_new", args=[case.reference]),
        {"kind": "civil_suit", "currency": "eur", "amount_claimed": "5000", "limitation_on": days_ago(-20)},
    )
    made = Claim.objects.get()
    assert response.status_code == 302 and made.currency == "EUR" and made.kind == "civil_suit"
    step = lambda action, data: client.post(reverse("justice:claim_action", args=[made.reference, action]), data)  # noqa: E731
    assert step("file", {"filed_on": days_ago(30)}).status_code == 302
    assert (
        step("decide", {"outcome": "awarded", "decided_on": days_ago(5), "amount_awarded": "4000"}).status_code == 302
    )
    assert step("pay", {"amount": "1500", "paid_on": days_ago(1)}).status_code == 302
    detail = client.get(reverse("justice:claim", args=[made.reference]))
    assert b"2500.00 EUR" in detail.content  # the unpaid gap
    overview = client.get(reverse("justice:compensation"))
    assert overview.status_code == 200
    assert b'data-currency="EUR"' in overview.content and b"2500.00" in overview.content


def test_a_payment_above_the_award_on_the_page_is_a_400_audited_and_nothing_is_stored(world):
    made = awarded(detect(world.focal), world.focal, amount="100.00")
    client = verified_client(world.focal)
    url = reverse("justice:claim_action", args=[made.reference, "pay"])
    response = client.post(url, {"amount": "100.01", "paid_on": days_ago(1)})
    assert response.status_code == 400 and b"more than what is left" in response.content
    assert not Payment.objects.exists()
    refused = AuditEvent.objects.filter(action="refused", object_ref=made.reference).get()
    assert "above_award" in refused.note and refused.fields == ["amount"]


def test_a_bad_currency_on_the_page_is_a_400(world):
    case = detect(world.focal)
    response = verified_client(world.focal).post(
        reverse("justice:claim_new", args=[case.reference]),
        {"kind": "offender", "currency": "EUX", "amount_claimed": "1"},
    )
    assert response.status_code == 400 and b"ISO 4217" in response.content and not Claim.objects.exists()
    # One 'refused' entry on the case, naming the field and the code, not the value entered.
    (refused,) = AuditEvent.objects.filter(action="refused", actor_id=world.focal.pk)
    assert refused.object_ref == case.reference and refused.fields == ["currency"]
    assert "open claim: unknown_currency" in refused.note and "EUX" not in refused.note


def test_input_the_claim_form_refuses_is_audited_as_the_api_does(world):
    case = detect(world.focal)
    response = verified_client(world.focal).post(
        reverse("justice:claim_new", args=[case.reference]), {"kind": "lottery", "currency": "EUR"}
    )
    assert response.status_code == 400 and not Claim.objects.exists()
    (refused,) = AuditEvent.objects.filter(action="refused", actor_id=world.focal.pk)
    assert refused.object_ref == case.reference and refused.fields == ["amount_claimed", "kind"]
    assert "lottery" not in refused.note


def test_a_claim_out_of_reach_is_a_404_on_pages_and_api(world):
    made = claim(detect(world.responder), world.responder)
    for user in (world.other_responder, world.other_ca, world.provider, world.guardian):
        client = verified_client(user)
        assert client.get(reverse("justice:claim", args=[made.reference])).status_code == 404
        assert (
            client.post(
                reverse("justice:claim_action", args=[made.reference, "file"]), {"filed_on": days_ago(1)}
            ).status_code
            == 404
        )
        assert client.get(f"{API}/claims/{made.reference}").status_code == 404
        assert _post(client, f"{API}/claims/{made.reference}/file", {"filed_on": str(days_ago(1))}).status_code == 404
    made.refresh_from_db()
    assert made.status == ClaimStatus.DRAFT


@pytest.mark.parametrize("who", ["dpo", "rapporteur", "admin", "secretariat"])
def test_roles_without_case_content_get_nothing(world, who):
    made = claim(detect(world.focal), world.focal)
    client = verified_client(getattr(world, who))
    assert client.get(reverse("justice:compensation")).status_code == 403
    # One claim: a 404, as for a reference that does not exist (the list pages answer 403).
    assert client.get(reverse("justice:claim", args=[made.reference])).status_code == 404
    assert client.get(f"{API}/claims").status_code == 403
    assert client.get(f"{API}/totals").status_code == 403


def test_a_case_manager_sees_only_the_claims_of_their_cases(world):
    mine = claim(detect(world.responder), world.responder, currency_code="SEK")
    claim(detect(world.focal), world.focal, currency_code="EUR")
    rows = verified_client(world.responder).get(f"{API}/claims").json()
    assert [r["reference"] for r in rows] == [mine.reference]
    totals = verified_client(world.responder).get(f"{API}/totals").json()
    assert [t["currency"] for t in totals] == ["SEK"]
    assert {t["currency"] for t in verified_client(world.focal).get(f"{API}/totals").json()} == {"EUR", "SEK"}


def test_the_api_runs_the_lifecycle_and_keeps_currencies_apart(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    made = _post(
        client,
        f"{API}/cases/{case.reference}/claims",
        {"kind": "state_scheme", "currency": "EUR", "amount_claimed": "900.00"},
    )
    assert made.status_code == 201, made.content
    ref = made.json()["reference"]
    assert _post(client, f"{API}/claims/{ref}/file", {"filed_on": str(days_ago(9))}).status_code == 200
    decided = _post(
        client,
        f"{API}/claims/{ref}/decision",
        {"outcome": "awarded", "decided_on": str(days_ago(3)), "amount_awarded": "600"},
    )
    assert decided.json()["amount_awarded"] == "600.00"
    paid = _post(client, f"{API}/claims/{ref}/payments", {"amount": "250", "paid_on": str(days_ago(1))})
    assert paid.status_code == 201 and paid.json()["unpaid"] == "350.00" and paid.json()["status"] == "paid_in_part"
    other = awarded(detect(world.focal), world.focal, amount="1000.00", currency_code="RON")
    assert other.currency == "RON"
    totals = {t["currency"]: t for t in client.get(f"{API}/totals").json()}
    assert totals["EUR"]["unpaid"] == "350.00" and totals["RON"]["unpaid"] == "1000.00"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("claims", {"kind": "offender", "currency": "EUR", "amount_claimed": "-1"}, "amount_claimed"),
        ("claims", {"kind": "offender", "currency": "ZZZ", "amount_claimed": "1"}, "currency"),
    ],
)
def test_bad_input_in_the_api_is_a_400_naming_the_field_and_audited(world, path, payload, field):
    case = detect(world.focal)
    response = _post(verified_client(world.focal), f"{API}/cases/{case.reference}/{path}", payload)
    assert response.status_code == 400 and field in _fields(response)
    assert not Claim.objects.exists()
    (refused,) = AuditEvent.objects.filter(action="refused", actor_id=world.focal.pk)
    assert refused.object_ref == case.reference and refused.fields == [field]


def test_api_refuses_a_decision_before_filing_and_a_payment_above_the_award(world):
    client = verified_client(world.focal)
    made = claim(detect(world.focal), world.focal)
    _post(client, f"{API}/claims/{made.reference}/file", {"filed_on": str(days_ago(5))})
    early = _post(
        client,
        f"{API}/claims/{made.reference}/decision",
        {"outcome": "awarded", "decided_on": str(days_ago(6)), "amount_awarded": "10"},
    )
    assert early.status_code == 400 and "decided_on" in _fields(early)
    _post(
        client,
        f"{API}/claims/{made.reference}/decision",
        {"outcome": "awarded", "decided_on": str(days_ago(4)), "amount_awarded": "10"},
    )
    over = _post(client, f"{API}/claims/{made.reference}/payments", {"amount": "10.01", "paid_on": str(days_ago(1))})
    assert over.status_code == 400 and "amount" in _fields(over)
    assert not Payment.objects.exists()
    done = _post(client, f"{API}/claims/{made.reference}/payments", {"amount": "10", "paid_on": str(days_ago(1))})
    assert done.json()["status"] == "paid"
    again = _post(client, f"{API}/claims/{made.reference}/payments", {"amount": "1", "paid_on": str(days_ago(1))})
    assert again.status_code == 409
    assert Payment.objects.get().amount == Decimal("10.00")


def test_the_dashboard_warns_of_a_limitation_date_near_or_past(world):
    case = detect(world.focal)
    near = claim(case, world.focal, limitation_on=days_ago(-10))
    past = claim(case, world.focal, limitation_on=days_ago(2))
    far = claim(case, world.focal, limitation_on=days_ago(-300))
    page = verified_client(world.focal).get(reverse("dashboard:home")).content.decode()
    assert near.reference in page and past.reference in page and far.reference not in page
    assert "Limitation passed" in page
    # Someone who does not see the case is not warned.
    assert near.reference not in verified_client(world.other_responder).get(reverse("dashboard:home")).content.decode()
