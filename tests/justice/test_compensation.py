"""The compensation claim's lifecycle, its rules on amounts, currencies and dates, and who may take each step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.cases.builders import detect
from trm.audit.models import AuditEvent
from trm.justice import claim_states, compensation
from trm.justice.models.compensation import Claim, ClaimStatus, Payment
from trm.lib.refusals import Conflict

from .builders import awarded, claim, days_ago


def test_a_claim_goes_from_draft_to_paid_through_partial_payments(world):
    case = detect(world.focal)
    made = claim(case, world.focal, limitation_on=days_ago(-200))
    assert made.status == ClaimStatus.DRAFT and made.amount_claimed == Decimal("10000.00")
    compensation.file(made, filed_on=days_ago(100), by=world.focal)
    compensation.decide(made, awarded=True, decided_on=days_ago(50), amount_awarded="8000", by=world.focal)
    compensation.record_payment(made, amount_paid="3000.50", paid_on=days_ago(40), by=world.focal)
    made.refresh_from_db()
    assert made.status == ClaimStatus.PAID_IN_PART
    assert made.amount_paid == Decimal("3000.50") and made.unpaid == Decimal("4999.50")
    compensation.record_payment(made, amount_paid="4999.50", paid_on=days_ago(10), by=world.focal)
    made.refresh_from_db()
    assert made.status == ClaimStatus.PAID and made.unpaid == Decimal("0") and made.ended_on == days_ago(10)
    assert list(made.payments.values_list("amount", flat=True)) == [Decimal("3000.50"), Decimal("4999.50")]
    notes = list(AuditEvent.objects.filter(object_ref=made.reference).values_list("action", "note"))
    assert [a for a, _n in notes] == ["create", "update", "decide", "update", "update"]
    # No amount in the audit: field names and states only.
    assert not AuditEvent.objects.filter(object_ref=made.reference, note__contains="3000").exists()


def test_a_rejected_claim_ends_and_takes_no_payment(world):
    made = claim(detect(world.focal), world.focal)
    compensation.file(made, filed_on=days_ago(10), by=world.focal)
    compensation.decide(made, awarded=False, decided_on=days_ago(1), by=world.focal)
    made.refresh_from_db()
    assert made.status == ClaimStatus.REJECTED and made.ended_on == days_ago(1) and made.amount_awarded is None
    with pytest.raises(Conflict):
        compensation.record_payment(made, amount_paid="1", paid_on=days_ago(0), by=world.focal)
    assert not Payment.objects.exists()


def test_an_award_that_will_not_be_paid_is_written_off_and_what_was_paid_stays(world):
    made = awarded(detect(world.focal), world.focal)
    compensation.record_payment(made, amount_paid="1000", paid_on=days_ago(5), by=world.focal)
    compensation.write_off(made, on=days_ago(1), by=world.focal)
    made.refresh_from_db()
    assert made.status == ClaimStatus.WRITTEN_OFF and made.amount_paid == Decimal("1000")
    with pytest.raises(Conflict):
        compensation.record_payment(made, amount_paid="1", paid_on=days_ago(0), by=world.focal)


def test_the_transition_table_allows_only_its_steps():
    S = ClaimStatus
    assert claim_states.next_state(S.DRAFT, "file") == S.FILED
    assert claim_states.next_state(S.PAID_IN_PART, "pay") == S.PAID_IN_PART
    assert {S.REJECTED, S.PAID, S.WRITTEN_OFF} == claim_states.ENDED
    for state in S:
        for event in ("file", "award", "reject", "pay", "pay_off", "write_off"):
            if event not in claim_states.TRANSITIONS[state]:
                with pytest.raises(Conflict):
                    claim_states.next_state(state, event)
    assert claim_states.reachable(S.FILED, S.PAID) and not claim_states.reachable(S.PAID, S.AWARDED)


def test_steps_out_of_order_are_conflicts(world):
    made = claim(detect(world.focal), world.focal)
    with pytest.raises(Conflict):
        compensation.decide(made, awarded=True, decided_on=days_ago(1), amount_awarded="1", by=world.focal)
    with pytest.raises(Conflict):
        compensation.record_payment(made, amount_paid="1", paid_on=days_ago(1), by=world.focal)
    compensation.file(made, filed_on=days_ago(3), by=world.focal)
    with pytest.raises(Conflict):
        compensation.file(made, filed_on=days_ago(2), by=world.focal)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"amount_claimed": "-5"}, "amount_claimed", "negative_amount"),
        ({"amount_claimed": "abc"}, "amount_claimed", "amount"),
        ({"amount_claimed": "NaN"}, "amount_claimed", "amount"),
        ({"amount_claimed": "1.005"}, "amount_claimed", "amount_precision"),
        ({"currency_code": "XYZ"}, "currency", "unknown_currency"),
        ({"currency_code": "eur"}, "currency", "unknown_currency"),
        ({"currency_code": ""}, "currency", "unknown_currency"),
        ({"kind": "lottery"}, "kind", "kind"),
    ],
)
def test_bad_input_on_opening_is_refused_by_field_and_nothing_is_stored(world, overrides, field, code):
    with pytest.raises(ValidationError) as err:
        claim(detect(world.focal), world.focal, **overrides)
    assert field in err.value.error_dict
    assert err.value.error_dict[field][0].code == code
    assert not Claim.objects.exists()


def test_a_decision_dated_before_the_filing_is_refused(world):
    made = claim(detect(world.focal), world.focal)
    compensation.file(made, filed_on=days_ago(10), by=world.focal)
    with pytest.raises(ValidationError) as err:
        compensation.decide(made, awarded=True, decided_on=days_ago(11), amount_awarded="100", by=world.focal)
    assert "decided_on" in err.value.error_dict
    made.refresh_from_db()
    assert made.status == ClaimStatus.FILED and made.decided_on is None


def test_an_award_needs_an_amount_that_is_not_negative(world):
    made = claim(detect(world.focal), world.focal)
    compensation.file(made, filed_on=days_ago(10), by=world.focal)
    for bad in (None, "-1"):
        with pytest.raises(ValidationError) as err:
            compensation.decide(made, awarded=True, decided_on=days_ago(1), amount_awarded=bad, by=world.focal)
        assert "amount_awarded" in err.value.error_dict
    made.refresh_from_db()
    assert made.status == ClaimStatus.FILED


def test_a_payment_above_what_is_left_of_the_award_is_refused(world):
    made = awarded(detect(world.focal), world.focal, amount="500.00")
    compensation.record_payment(made, amount_paid="400", paid_on=days_ago(3), by=world.focal)
    with pytest.raises(ValidationError) as err:
        compensation.record_payment(made, amount_paid="100.01", paid_on=days_ago(2), by=world.focal)
    assert err.value.error_dict["amount"][0].code == "above_award"
    for bad, code in (("0", "zero_amount"), ("-3", "negative_amount")):
        with pytest.raises(ValidationError) as err:
            compensation.record_payment(made, amount_paid=bad, paid_on=days_ago(2), by=world.focal)
        assert err.value.error_dict["amount"][0].code == code
    with pytest.raises(ValidationError) as err:
        compensation.record_payment(made, amount_paid="10", paid_on=days_ago(60), by=world.focal)
    assert "paid_on" in err.value.error_dict  # before the decision
    with pytest.raises(ValidationError):
        compensation.record_payment(made, amount_paid="10", paid_on=days_ago(-1), by=world.focal)  # in the future
    assert Payment.objects.count() == 1


def test_the_database_refuses_negative_amounts_too(world):
    from django.db import IntegrityError, transaction

    made = claim(detect(world.focal), world.focal)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=made.pk).update(amount_claimed=Decimal("-1"))


def test_who_may_take_the_steps(world):
    case = detect(world.responder)  # the responder's own case, not yet referred
    made = claim(case, world.responder)
    # The focal point sees every case; another responder and roles without case content do not.
    compensation.file(made, filed_on=days_ago(1), by=world.focal)
    with pytest.raises(Http404):
        compensation.decide(made, awarded=False, decided_on=days_ago(0), by=world.other_responder)
    for user in (world.dpo, world.rapporteur, world.admin, world.secretariat):
        with pytest.raises(PermissionDenied):
            compensation.decide(made, awarded=False, decided_on=days_ago(0), by=user)
    with pytest.raises(Http404):
        claim(case, world.other_ca)
    made.refresh_from_db()
    assert made.status == ClaimStatus.FILED


def test_a_claim_is_not_opened_on_a_closed_case(world):
    from trm.cases import casework

    case = detect(world.focal)
    casework.close(case, by=world.focal, reason="recovered")
    with pytest.raises(Conflict):
        claim(case, world.focal)
