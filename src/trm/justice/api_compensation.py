"""JSON API of compensation claims (mounted at /api/justice/compensation/) and group cases
(/api/justice/groups/). Same access rules and verbs as the pages.

A claim or group the caller may not see is a 404; a step the caller may not take is a 403;
a step the claim's state forbids is a 409; bad input (a negative amount, an unknown
currency, a decision before the filing, a payment above the award) is a 400 naming the
field. Every refusal is audited and nothing is stored. Amounts travel as strings
(``"1250.50"``), never as floats, each with its currency.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from trm.accounts.access import signed_in
from trm.accounts.models import User
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.justice import compensation, compensation_abroad, compensation_access, compensation_panels, group_cases
from trm.justice.models.compensation import Claim
from trm.justice.models.groups import Group
from trm.justice.refusals import invalid, refusals_audited
from trm.transnational import access as link_access

router = Router(tags=["compensation"])
groups_router = Router(tags=["group cases"])


def _user(request: HttpRequest, *, hidden: bool = False) -> User:
    """The caller, who must see case content; for one object (``hidden``) others get a 404, as for any
    object out of reach, so that a role without case content cannot tell which references exist."""
    user = request.user
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        if hidden:
            raise Http404
        raise PermissionDenied("Your role sees no case content.")
    return user


def _money(value: Any) -> str | None:
    return f"{value:.2f}" if value is not None else None


class PaymentOut(Schema):
    paid_on: dt.date
    amount: str


class ClaimOut(Schema):
    reference: str
    case: str
    kind: str
    status: str
    currency: str
    amount_claimed: str
    amount_awarded: str | None
    amount_paid: str
    unpaid: str | None
    limitation_on: dt.date | None
    filed_on: dt.date | None
    decided_on: dt.date | None
    ended_on: dt.date | None
    authority: str
    proceeding_ref: str
    includes_back_pay: bool
    wages_owed: str | None
    wages_from: dt.date | None
    wages_to: dt.date | None
    abroad_role: str
    payments: list[PaymentOut]


class TotalsOut(Schema):
    currency: str
    claims: int
    claimed: str
    awarded: str
    paid: str
    unpaid: str


class ClaimIn(Schema):
    kind: str
    currency: str
    amount_claimed: str
    limitation_on: dt.date | None = None
    authority: str = ""
    proceeding_ref: str = ""
    includes_back_pay: bool = False
    wages_owed: str | None = None
    wages_from: dt.date | None = None
    wages_to: dt.date | None = None


class FileIn(Schema):
    filed_on: dt.date


class DecisionIn(Schema):
    outcome: Literal["awarded", "rejected"]
    decided_on: dt.date
    amount_awarded: str | None = None


class PaymentIn(Schema):
    amount: str
    paid_on: dt.date


class WriteOffIn(Schema):
    ended_on: dt.date


class SendIn(Schema):
    conversation: str


def _claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "reference": claim.reference,
        "case": claim.case.reference,
        "kind": claim.kind,
        "status": claim.status,
        "currency": claim.currency,
        "amount_claimed": _money(claim.amount_claimed),
        "amount_awarded": _money(claim.amount_awarded),
        "amount_paid": _money(claim.amount_paid),
        "unpaid": _money(claim.unpaid),
        "limitation_on": claim.limitation_on,
        "filed_on": claim.filed_on,
        "decided_on": claim.decided_on,
        "ended_on": claim.ended_on,
        "authority": claim.authority,
        "proceeding_ref": claim.proceeding_ref,
        "includes_back_pay": claim.includes_back_pay,
        "wages_owed": _money(claim.wages_owed),
        "wages_from": claim.wages_from,
        "wages_to": claim.wages_to,
        "abroad_role": claim.abroad_role,
        "payments": [{"paid_on": p.paid_on, "amount": _money(p.amount)} for p in claim.payments.all()],
    }


def _fresh(claim: Claim) -> Claim:
    return Claim.objects.select_related("case").get(pk=claim.pk)


@router.get("/claims", response=list[ClaimOut])
def claims(request: HttpRequest, open_only: bool = False) -> list[dict[str, Any]]:
    user = _user(request)
    qs = compensation_panels.open_claims(user) if open_only else compensation_access.visible_claims(user)
    rows = list(qs.select_related("case").prefetch_related("payments").order_by("-created_at", "-id")[:200])
    record(
        user, Action.READ, object_type="justice.claim", object_ref="list", fields=["claims"], note=f"{len(rows)} rows"
    )
    return [_claim_out(c) for c in rows]


@router.get("/totals", response=list[TotalsOut])
def totals(request: HttpRequest) -> list[dict[str, Any]]:
    """Per currency: what was claimed, awarded, paid, and awarded but unpaid (never across currencies)."""
    user = _user(request)
    rows = compensation_panels.totals_by_currency(compensation_access.visible_claims(user))
    record(user, Action.READ, object_type="justice.claim", object_ref="totals", fields=["amounts"])
    return [
        {
            "currency": t.currency,
            "claims": t.claims,
            "claimed": _money(t.claimed),
            "awarded": _money(t.awarded),
            "paid": _money(t.paid),
            "unpaid": _money(t.gap),
        }
        for t in rows
    ]


@router.post("/cases/{case_ref}/claims", response={201: ClaimOut})
def open_claim(request: HttpRequest, case_ref: str, payload: ClaimIn) -> Status[dict[str, Any]]:
    user = _user(request, hidden=True)
    case = get_case_for(user, case_ref.strip().upper())
    with refusals_audited(user, what="open claim", obj=case, request=request):
        claim = compensation.open_claim(
            case,
            kind=payload.kind,
            currency_code=payload.currency,
            amount_claimed=payload.amount_claimed,
            limitation_on=payload.limitation_on,
            authority=payload.authority,
            proceeding_ref=payload.proceeding_ref,
            includes_back_pay=payload.includes_back_pay,
            wages_owed=payload.wages_owed,
            wages_from=payload.wages_from,
            wages_to=payload.wages_to,
            by=user,
        )
    return Status(201, _claim_out(_fresh(claim)))


@router.get("/claims/{reference}", response=ClaimOut)
def claim(request: HttpRequest, reference: str) -> dict[str, Any]:
    user = _user(request, hidden=True)
    found = compensation_access.get_claim_for(user, reference)
    record(user, Action.READ, found, fields=["claim", "payments"])
    return _claim_out(found)


def _step(request: HttpRequest, reference: str, what: str, verb: Any) -> dict[str, Any]:
    user = _user(request, hidden=True)
    found = compensation_access.get_claim_for(user, reference)
    with refusals_audited(user, what=what, obj=found, request=request):
        verb(found, user)
    return _claim_out(_fresh(found))


@router.post("/claims/{reference}/file", response=ClaimOut)
def file_claim(request: HttpRequest, reference: str, payload: FileIn) -> dict[str, Any]:
    return _step(request, reference, "file", lambda c, u: compensation.file(c, filed_on=payload.filed_on, by=u))


@router.post("/claims/{reference}/decision", response=ClaimOut)
def decide(request: HttpRequest, reference: str, payload: DecisionIn) -> dict[str, Any]:
    return _step(
        request,
        reference,
        "decide",
        lambda c, u: compensation.decide(
            c,
            awarded=payload.outcome == "awarded",
            decided_on=payload.decided_on,
            amount_awarded=payload.amount_awarded,
            by=u,
        ),
    )


@router.post("/claims/{reference}/payments", response={201: ClaimOut})
def pay(request: HttpRequest, reference: str, payload: PaymentIn) -> Status[dict[str, Any]]:
    out = _step(
        request,
        reference,
        "pay",
        lambda c, u: compensation.record_payment(c, amount_paid=payload.amount, paid_on=payload.paid_on, by=u),
    )
    return Status(201, out)


@router.post("/claims/{reference}/write-off", response=ClaimOut)
def write_off(request: HttpRequest, reference: str, payload: WriteOffIn) -> dict[str, Any]:
    return _step(request, reference, "write-off", lambda c, u: compensation.write_off(c, on=payload.ended_on, by=u))


@router.post("/claims/{reference}/send", response=ClaimOut)
def send(request: HttpRequest, reference: str, payload: SendIn) -> dict[str, Any]:
    """Pass a cross-border claim to the deciding node of a conversation about its case."""

    def verb(c: Claim, u: User) -> None:
        link = link_access.visible_links(u).filter(conversation=_uuid(payload.conversation)).first()
        if link is None:
            raise invalid("conversation", "Choose a conversation about this case.", "link")
        compensation_abroad.send_claim(c, link=link, by=u)

    return _step(request, reference, "send", verb)


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid("conversation", "Give a conversation id.", "conversation") from None


# --- group cases ----------------------------------------------------------------------------------


class GroupOut(Schema):
    reference: str
    shared_ref: str
    kind: str
    sector: str
    country: str
    wages_owed: str | None
    currency: str
    hours_owed: str | None
    inspection_ref: str
    shared_by: str
    cases: list[str]


class GroupIn(Schema):
    kind: str
    sector: str
    name: str = ""
    workplace: str = ""
    country: str = ""
    wages_owed: str | None = None
    currency: str = ""
    hours_owed: str | None = None
    inspection_ref: str = ""


class MemberIn(Schema):
    case: str


def _group_out(user: Any, group: Group) -> dict[str, Any]:
    return {
        "reference": group.reference,
        "shared_ref": group.shared_ref,
        "kind": group.kind,
        "sector": group.sector,
        "country": group.country,
        "wages_owed": _money(group.wages_owed),
        "currency": group.currency,
        "hours_owed": _money(group.hours_owed),
        "inspection_ref": group.inspection_ref,
        "shared_by": group.shared_by,
        "cases": [m.case.reference for m in compensation_access.visible_members(user, group)],
    }


@groups_router.get("/", response=list[GroupOut])
def groups(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    rows = list(compensation_access.visible_groups(user).order_by("-created_at")[:200])
    record(user, Action.READ, object_type="justice.group", object_ref="list", fields=["groups"])
    return [_group_out(user, g) for g in rows]


@groups_router.post("/", response={201: GroupOut})
def new_group(request: HttpRequest, payload: GroupIn) -> Status[dict[str, Any]]:
    user = _user(request)
    with refusals_audited(user, what="record group", object_type="justice.group", request=request):
        group = group_cases.record_group(by=user, **payload.dict())
    return Status(201, _group_out(user, group))


@groups_router.get("/{reference}", response=GroupOut)
def group(request: HttpRequest, reference: str) -> dict[str, Any]:
    user = _user(request, hidden=True)
    found = compensation_access.get_group_for(user, reference)
    record(user, Action.READ, found, fields=["group", "members"])
    return _group_out(user, found)


@groups_router.post("/{reference}/cases", response={201: GroupOut})
def link_case(request: HttpRequest, reference: str, payload: MemberIn) -> Status[dict[str, Any]]:
    user = _user(request, hidden=True)
    found = compensation_access.get_group_for(user, reference, write=True)
    with refusals_audited(user, what="group link", obj=found, request=request):
        case = get_case_for(user, payload.case.strip().upper())
        group_cases.link_case(found, case, by=user)
    return Status(201, _group_out(user, found))


@groups_router.post("/{reference}/share", response=GroupOut)
def share(request: HttpRequest, reference: str, payload: SendIn) -> dict[str, Any]:
    user = _user(request, hidden=True)
    found = compensation_access.get_group_for(user, reference, write=True)
    with refusals_audited(user, what="group share", obj=found, request=request):
        link = link_access.visible_links(user).filter(conversation=_uuid(payload.conversation)).first()
        if link is None:
            raise invalid("conversation", "Choose a conversation about a case of this group.", "link")
        group_cases.share(found, link=link, by=user)
    return _group_out(user, found)
