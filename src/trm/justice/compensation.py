"""The verbs of compensation claims: open, file, decide, record a payment, write off.

Each checks its actor (``compensation_access``: 403 for a role without case content, 404 for
a claim out of reach, 403 without the right to manage its case), runs in one transaction,
moves the claim only through ``claim_states``, calls ``full_clean()`` and writes its audit
entry (field names only, never amounts). Bad input is a ``ValidationError`` naming the
field: a negative amount, a currency that is not ISO 4217, a decision dated before the
filing, a payment above what is left of the award. ``justice.refusals.refusals_audited``
records each refusal once, after the verb's transaction rolled back.

A cross-border claim tells the other country of every change (``compensation_abroad``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.access import signed_in
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access as case_access
from trm.cases.models import Case
from trm.justice import claim_states, compensation_access
from trm.justice.models.compensation import AbroadRole, Claim, ClaimKind, ClaimStatus, Payment
from trm.justice.refusals import invalid
from trm.lib.refusals import Conflict
from trm.vocab.currencies import is_currency

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


# --- checking input ----------------------------------------------------------------------------


def amount(value: Any, field: str, *, positive: bool = False) -> Decimal:
    """A money amount as a Decimal with two decimals; a ValidationError on ``field`` otherwise."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise invalid(field, _("Give an amount, e.g. 1250.50."), "amount") from None
    if not number.is_finite():
        raise invalid(field, _("Give an amount, e.g. 1250.50."), "amount")
    if number < 0:
        raise invalid(field, _("An amount cannot be negative."), "negative_amount")
    if positive and number == 0:
        raise invalid(field, _("A payment must be more than zero."), "zero_amount")
    if number != number.quantize(CENT):
        raise invalid(field, _("Give the amount with at most two decimals."), "amount_precision")
    if number > MAX_AMOUNT:
        raise invalid(field, _("The amount is too large."), "amount_too_large")
    return number.quantize(CENT)


def currency(value: Any) -> str:
    code = str(value or "").strip()
    if not is_currency(code):
        raise invalid("currency", _("Give an ISO 4217 currency code, e.g. EUR."), "unknown_currency")
    return code


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise invalid(field, _("Give a date."), "date")
    if value > timezone.localdate():
        raise invalid(field, _("The date cannot be in the future."), "future_date")
    return value


def _not_before(day: dt.date, earlier: dt.date | None, field: str, message: str) -> None:
    if earlier is not None and day < earlier:
        raise invalid(field, message, "date_order")


def _wages(
    back_pay: bool, kind: str, claimed: Decimal, owed: Any, start: dt.date | None, end: dt.date | None
) -> tuple[Decimal | None, tuple[dt.date | None, dt.date | None]]:
    """The wages owed and their period, checked: only on a claim with back pay, within the amount claimed."""
    given = owed not in (None, "")
    if not back_pay:
        if given or start is not None or end is not None:
            message = _("Wages owed are recorded only on a claim that includes back pay.")
            raise invalid("includes_back_pay", message, "not_back_pay")
        return None, (None, None)
    wages = amount(owed, "wages_owed") if given else (claimed if kind == ClaimKind.BACK_PAY else None)
    if wages is not None and wages > claimed:
        raise invalid("wages_owed", _("The wages owed cannot be more than the amount claimed."), "wages_above_claimed")
    start = _day(start, "wages_from") if start is not None else None
    end = _day(end, "wages_to") if end is not None else None
    if start is not None and end is not None:
        _not_before(end, start, "wages_to", _("The period of the wages owed cannot end before it starts."))
    return wages, (start, end)


def new_reference() -> str:
    return f"CC-{settings.TRM_COUNTRY}-{secrets.token_hex(4).upper()}"


# --- the verbs -------------------------------------------------------------------------------------


def _locked(claim: Claim, by: Any) -> Claim:
    compensation_access.check_claim(by, claim)
    return Claim.objects.select_for_update(of=("self",)).select_related("case", "link").get(pk=claim.pk)


def _move(claim: Claim, event: str) -> None:
    claim.status = claim_states.next_state(claim.status, event)


def _after(claim: Claim, by: Any) -> None:
    """A cross-border claim decided here: the assisting country hears of every change."""
    if claim.abroad_role == AbroadRole.DECIDING:
        from trm.justice import compensation_abroad

        compensation_abroad.send_answer(claim, by=by)


@transaction.atomic
def open_claim(
    case: Case,
    *,
    kind: str,
    currency_code: str,
    amount_claimed: Any,
    by: Any,
    limitation_on: dt.date | None = None,
    authority: str = "",
    proceeding_ref: str = "",
    includes_back_pay: bool = False,
    wages_owed: Any = None,
    wages_from: dt.date | None = None,
    wages_to: dt.date | None = None,
) -> Claim:
    """Record a claim (a draft) on a case the actor manages.

    A back-pay claim, or another that ``includes_back_pay`` (wages owed for labour exploitation),
    may record the wages owed and the period they are owed for; a back-pay claim's wages are the
    amount claimed unless given.
    """
    case_access.check_actor(by, case, allowed=signed_in(by) and case_access.can_manage(by, case))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="closed")
    if kind not in ClaimKind.values:
        raise invalid("kind", _("Choose the kind of claim."), "kind")
    claimed = amount(amount_claimed, "amount_claimed")
    back_pay = bool(includes_back_pay) or kind == ClaimKind.BACK_PAY
    wages, period = _wages(back_pay, kind, claimed, wages_owed, wages_from, wages_to)
    claim = Claim(
        reference=new_reference(),
        case=case,
        kind=kind,
        status=ClaimStatus.DRAFT,
        currency=currency(currency_code),
        amount_claimed=claimed,
        limitation_on=limitation_on,
        authority=authority.strip(),
        proceeding_ref=proceeding_ref.strip(),
        includes_back_pay=back_pay,
        wages_owed=wages,
        wages_from=period[0],
        wages_to=period[1],
        created_by=by,
    )
    claim.full_clean()
    claim.save()
    fields = ["kind", "currency", "amount_claimed", "limitation_on", "case"]
    if back_pay:
        fields += ["includes_back_pay", "wages_owed", "wages_from", "wages_to"]
    record(by, Action.CREATE, claim, fields=fields)
    return claim


@transaction.atomic
def file(claim: Claim, *, filed_on: dt.date, by: Any) -> Claim:
    claim = _locked(claim, by)
    if claim.kind == ClaimKind.CROSS_BORDER and claim.abroad_role != AbroadRole.DECIDING:
        raise Conflict(
            _("A cross-border claim is filed by passing it to the country where the crime happened."),
            code="cross_border_is_sent",
        )
    _move(claim, "file")
    claim.filed_on = _day(filed_on, "filed_on")
    claim.full_clean()
    claim.save(update_fields=["status", "filed_on", "updated_at"])
    record(by, Action.UPDATE, claim, fields=["status", "filed_on"], note="filed")
    return claim


@transaction.atomic
def decide(claim: Claim, *, awarded: bool, decided_on: dt.date, by: Any, amount_awarded: Any = None) -> Claim:
    """Record the decision: an award (with its amount) or a rejection, dated no earlier than the filing."""
    claim = _locked(claim, by)
    if claim.abroad_role == AbroadRole.ASSISTING:
        raise Conflict(_("The country where the crime happened decides this claim."), code="decided_abroad")
    _move(claim, "award" if awarded else "reject")
    day = _day(decided_on, "decided_on")
    _not_before(day, claim.filed_on, "decided_on", _("The decision cannot be dated before the claim was filed."))
    claim.decided_on = day
    if awarded:
        if amount_awarded in (None, ""):
            raise invalid("amount_awarded", _("Give the amount awarded."), "required")
        claim.amount_awarded = amount(amount_awarded, "amount_awarded")
    else:
        claim.ended_on = day
    claim.full_clean()
    claim.save(update_fields=["status", "decided_on", "amount_awarded", "ended_on", "updated_at"])
    record(by, Action.DECIDE, claim, fields=["status", "decided_on", "amount_awarded"], note=claim.status)
    _after(claim, by)
    return claim


@transaction.atomic
def record_payment(claim: Claim, *, amount_paid: Any, paid_on: dt.date, by: Any) -> Payment:
    """A payment on an awarded claim; never more than what is left of the award."""
    claim = _locked(claim, by)
    if claim.abroad_role == AbroadRole.ASSISTING:
        raise Conflict(_("The country where the crime happened records the payments."), code="decided_abroad")
    if not claim_states.may(claim.status, "pay"):
        claim_states.next_state(claim.status, "pay")  # the Conflict naming the state
    value = amount(amount_paid, "amount", positive=True)
    day = _day(paid_on, "paid_on")
    _not_before(day, claim.decided_on, "paid_on", _("A payment cannot be dated before the decision."))
    assert claim.amount_awarded is not None  # awarded states carry their amount
    left = claim.amount_awarded - claim.amount_paid
    if value > left:
        message = _("The payment is more than what is left of the award (%(left)s).") % {"left": left}
        raise invalid("amount", message, "above_award")
    payment = Payment(claim=claim, amount=value, paid_on=day, recorded_by=by)
    payment.full_clean()
    payment.save()
    _move(claim, "pay_off" if value == left else "pay")
    if claim.status == ClaimStatus.PAID:
        claim.ended_on = day
    claim.save(update_fields=["status", "ended_on", "updated_at"])
    record(by, Action.UPDATE, claim, fields=["payments", "status"], note=claim.status)
    _after(claim, by)
    return payment


@transaction.atomic
def write_off(claim: Claim, *, on: dt.date, by: Any) -> Claim:
    """End an award that will not be paid (in full); what was paid stays recorded."""
    claim = _locked(claim, by)
    if claim.abroad_role == AbroadRole.ASSISTING:
        raise Conflict(_("The country where the crime happened decides this claim."), code="decided_abroad")
    _move(claim, "write_off")
    day = _day(on, "ended_on")
    _not_before(day, claim.decided_on, "ended_on", _("A write-off cannot be dated before the decision."))
    claim.ended_on = day
    claim.save(update_fields=["status", "ended_on", "updated_at"])
    record(by, Action.UPDATE, claim, fields=["status", "ended_on"], note="written off")
    _after(claim, by)
    return claim
