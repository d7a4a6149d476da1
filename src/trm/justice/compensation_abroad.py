"""Cross-border compensation claims over trm/1 (Directive 2004/80/EC; docs/justice.md).

The assisting node, where the person lives, passes a claim to the deciding node, where the
crime happened, in the conversation the two hold about the person (``compensation_claim``,
trm/1 §5.27), saying whether it includes back pay (wages owed for labour exploitation). The
deciding node records it against the case linked to that conversation, filed on the day it
was submitted. Each decision, payment or write-off there sends the
claim's whole state back (``compensation_claim_answer``, §5.28), so the assisting node
mirrors the award and the payments; an answer older than what is held never moves a
claim back. Only case data the claim needs travels: references, the currency, amounts
and dates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import inbox
from trm.exchange.models import InboxMessage
from trm.justice import claim_states, compensation
from trm.justice.models.compensation import AbroadRole, Claim, ClaimKind, ClaimStatus, Payment
from trm.justice.refusals import invalid
from trm.lib.refusals import Conflict
from trm.transnational import access as link_access
from trm.transnational import handlers, workflows
from trm.transnational.models import Link
from trm.vocab.currencies import is_currency


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def links_for(claim: Claim, user: Any) -> list[Link]:
    """The live conversations about the claim's case this user may send in."""
    links = link_access.visible_links(user).filter(case=claim.case)
    return [link for link in links.order_by("-updated_at") if link.is_live]


@transaction.atomic
def send_claim(claim: Claim, *, link: Link, by: Any, crime_country: str = "") -> Claim:
    """Pass a cross-border claim (a draft here) to the deciding node of the conversation ``link``."""
    claim = compensation._locked(claim, by)
    if claim.kind != ClaimKind.CROSS_BORDER:
        raise invalid("kind", _("Only a cross-border claim is passed to another country."), "kind")
    if link.case_id != claim.case_id:
        raise invalid("link", _("Choose a conversation about this case."), "link")
    if claim.abroad_role:
        raise Conflict(_("This claim was passed on already."), code="sent")
    claim.status = claim_states.next_state(claim.status, "file")
    claim.filed_on = timezone.localdate()
    claim.abroad_role = AbroadRole.ASSISTING
    claim.link = link
    data = {
        "claim_ref": claim.reference,
        "currency": claim.currency,
        "amount_claimed": _money(claim.amount_claimed),
        "submitted_on": claim.filed_on.isoformat(),
        "crime_country": crime_country or link.peer_country,
        "back_pay": claim.includes_back_pay,
        "deciding_authority": claim.authority,
        "proceeding_ref": claim.proceeding_ref,
    }
    workflows.send_own(link, kind="compensation_claim", data=data, by=by)
    claim.full_clean()
    claim.save(update_fields=["status", "filed_on", "abroad_role", "link", "updated_at"])
    record(by, Action.SEND, claim, fields=["status", "filed_on", "link"], note="passed to the deciding country")
    return claim


def answer_data(claim: Claim) -> dict[str, Any]:
    data: dict[str, Any] = {
        "claim_ref": claim.remote_ref,
        "decider_claim_ref": claim.reference,
        "outcome": str(claim.status),
        "currency": claim.currency,
    }
    if claim.decided_on is not None:
        data["decided_on"] = claim.decided_on.isoformat()
    if claim.amount_awarded is not None and claim.status in claim_states.AWARDED_STATES:
        data["amount_awarded"] = _money(claim.amount_awarded)
        data["payments"] = [
            {"paid_on": p.paid_on.isoformat(), "amount": _money(p.amount)} for p in claim.payments.order_by("paid_on")
        ]
    if claim.ended_on is not None:
        data["ended_on"] = claim.ended_on.isoformat()
    return data


def send_answer(claim: Claim, *, by: Any) -> None:
    """Tell the assisting node the claim's state (in the verb's transaction)."""
    assert claim.link is not None
    in_reply_to = str(claim.remote_message_id) if claim.remote_message_id else None
    workflows.send_own(
        claim.link, kind="compensation_claim_answer", data=answer_data(claim), by=by, in_reply_to=in_reply_to
    )


# --- on arrival --------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def on_claim(row: InboxMessage, link: Link) -> None:
    """Record a received claim against the conversation's case here, filed on its submission day."""
    body = dict(row.envelope.get("body", {}))
    if link.case is None:
        raise inbox.Unprocessable("no_linked_case")
    if not is_currency(str(body.get("currency", ""))):
        raise inbox.Unprocessable("unknown_currency")
    if Claim.objects.filter(link=link, remote_ref=body["claim_ref"]).exists():
        return  # the same claim again: already recorded
    claim = Claim(
        reference=compensation.new_reference(),
        case=link.case,
        kind=ClaimKind.CROSS_BORDER,
        status=ClaimStatus.FILED,
        includes_back_pay=body.get("back_pay") is True,
        currency=body["currency"],
        amount_claimed=Decimal(body["amount_claimed"]),
        authority=str(body.get("deciding_authority", ""))[:200],
        proceeding_ref=str(body.get("proceeding_ref", ""))[:100],
        filed_on=_date(body["submitted_on"]),
        abroad_role=AbroadRole.DECIDING,
        link=link,
        remote_ref=body["claim_ref"],
        remote_message_id=row.message_id,
    )
    claim.full_clean()
    claim.save()
    fields = ["kind", "currency", "amount_claimed", "filed_on", "includes_back_pay"]
    record(None, Action.RECEIVE, claim, fields=fields, note=row.type)


def on_answer(row: InboxMessage, link: Link) -> None:
    """Mirror the deciding node's state of a claim this node passed on; an older state changes nothing."""
    body = dict(row.envelope.get("body", {}))
    claim = (
        Claim.objects.select_for_update()
        .filter(link=link, reference=body["claim_ref"], abroad_role=AbroadRole.ASSISTING)
        .first()
    )
    if claim is None:
        raise inbox.Unprocessable("unknown_claim")
    if body.get("currency") != claim.currency:
        raise inbox.Unprocessable("currency_differs")
    target = str(body["outcome"])
    if target not in ClaimStatus.values or not claim_states.reachable(claim.status, target):
        return  # older than what is held, or a state this node cannot follow: on the timeline only
    awarded = Decimal(body["amount_awarded"]) if body.get("amount_awarded") else None
    payments = [(_date(p["paid_on"]), Decimal(p["amount"])) for p in body.get("payments", [])]
    if payments and (awarded is None or sum(a for _d, a in payments) > awarded):
        raise inbox.Unprocessable("payments_above_award")
    claim.status = target
    claim.amount_awarded = awarded
    claim.decided_on = _date(body.get("decided_on"))
    claim.ended_on = _date(body.get("ended_on"))
    claim.remote_ref = str(body.get("decider_claim_ref", claim.remote_ref))[:64]
    claim.full_clean()
    claim.save(update_fields=["status", "amount_awarded", "decided_on", "ended_on", "remote_ref", "updated_at"])
    claim.payments.all().delete()
    Payment.objects.bulk_create(Payment(claim=claim, paid_on=d, amount=a) for d, a in payments if d is not None)
    record(None, Action.RECEIVE, claim, fields=["status", "amount_awarded", "payments"], note=target)


def register() -> None:
    handlers.delegate("compensation_claim", on_claim)
    handlers.delegate("compensation_claim_answer", on_answer)
