"""Pages of compensation claims. Thin: fetch through ``compensation_access``, validate a form, call one verb.

A verb's refusal is audited by ``justice.refusals.refusals_audited`` and shown on the page it
came from with its status (400 bad input, 403, 404, 409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest, capability_required
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.justice import claim_states, compensation, compensation_abroad, compensation_access, compensation_panels
from trm.justice.compensation_forms import ClaimForm, DecideForm, FileForm, PaymentForm, SendClaimForm, WriteOffForm
from trm.justice.models.compensation import AbroadRole, Claim, ClaimKind, ClaimStatus
from trm.justice.refusals import audit_bad_form, invalid, refusals_audited
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.refusals import status_of

LIST_FIELDS = ["reference", "kind", "status", "currency", "amount_claimed", "amount_awarded", "payments"]


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def overview(request: SignedInRequest) -> HttpResponse:
    """The node's open claims and, per currency, the gap between what was awarded and what was paid."""
    user = request.user
    today = timezone.localdate()
    open_claims = list(
        compensation_panels.open_claims(user).with_paid().select_related("case").order_by("status", "id")[:200]
    )
    context = {
        "claims": open_claims,
        "totals": compensation_panels.totals_by_currency(compensation_access.visible_claims(user)),
        "urgency": {c.pk: c.limitation_urgency(today) for c in open_claims},
        "all_node": user.can(Cap.VIEW_ALL_CASES),
    }
    record(user, Action.READ, object_type="justice.claim", object_ref="list", fields=LIST_FIELDS, request=request)
    return render(request, "justice/compensation/overview.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def claim_new(request: SignedInRequest, case_ref: str) -> HttpResponse:
    case = get_case_for(request.user, case_ref, write=True)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with refusals_audited(request.user, what="open claim", obj=case, request=request):
                claim = compensation.open_claim(
                    case,
                    kind=d["kind"],
                    currency_code=d["currency"].strip().upper(),
                    amount_claimed=d["amount_claimed"],
                    limitation_on=d["limitation_on"],
                    authority=d["authority"],
                    proceeding_ref=d["proceeding_ref"],
                    includes_back_pay=d["includes_back_pay"],
                    wages_owed=d["wages_owed"],
                    wages_from=d["wages_from"],
                    wages_to=d["wages_to"],
                    by=request.user,
                )
        except ValidationError as exc:
            _add_errors(form, exc)
            return render(request, "justice/compensation/new.html", {"case": case, "form": form}, status=status_of(exc))
        messages.success(request, _("Claim %(ref)s recorded.") % {"ref": claim.reference})
        return redirect("justice:claim", reference=claim.reference)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST":
        audit_bad_form(form, request.user, what="open claim", obj=case, request=request)
    return render(request, "justice/compensation/new.html", {"case": case, "form": form}, status=status)


def _forms(claim: Claim, user: Any, posted: tuple[str, Any] | None = None) -> dict[str, Any]:
    """The step forms to offer on the claim's page, with the one just posted in place."""
    if not compensation_access.may_change(user, claim) or claim.abroad_role == AbroadRole.ASSISTING:
        return {}
    today = timezone.localdate()
    offered: dict[str, Any] = {}
    status = claim.status
    if status == ClaimStatus.DRAFT and claim.kind == ClaimKind.CROSS_BORDER and not claim.abroad_role:
        offered["send"] = SendClaimForm(links=compensation_abroad.links_for(claim, user))
    elif claim_states.may(status, "file"):
        offered["file"] = FileForm(initial={"filed_on": today})
    if claim_states.may(status, "award"):
        offered["decide"] = DecideForm(initial={"decided_on": today})
    if claim_states.may(status, "pay"):
        offered["pay"] = PaymentForm(initial={"paid_on": today})
    if claim_states.may(status, "write_off"):
        offered["write-off"] = WriteOffForm(initial={"ended_on": today})
    if posted is not None:
        offered[posted[0]] = posted[1]
    return offered


def _detail(
    request: SignedInRequest, claim: Claim, *, posted: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    claim = compensation_access.visible_claims(request.user).with_paid().select_related("case", "link").get(pk=claim.pk)
    context = {
        "claim": claim,
        "payments": list(claim.payments.all()),
        "forms": _forms(claim, request.user, posted),
        "urgency": claim.limitation_urgency(timezone.localdate()),
    }
    record(request.user, Action.READ, claim, fields=LIST_FIELDS, request=request)
    return render(request, "justice/compensation/detail.html", context, status=status)


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def claim_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    return _detail(request, compensation_access.get_claim_for(request.user, reference))


def _send(claim: Claim, by: Any, d: dict[str, Any], form: SendClaimForm) -> Any:
    link = form.links.get(d["link"])
    if link is None:
        raise invalid("link", _("Choose a conversation about this case."), "link")
    return compensation_abroad.send_claim(claim, link=link, by=by)


STEPS: dict[str, tuple[Callable[..., Any], Callable[[Claim, Any, dict[str, Any], Any], Any], Any]] = {
    "file": (
        FileForm,
        lambda c, u, d, f: compensation.file(c, filed_on=d["filed_on"], by=u),
        gettext_lazy("Claim filed."),
    ),
    "decide": (
        DecideForm,
        lambda c, u, d, f: compensation.decide(
            c,
            awarded=d["outcome"] == "awarded",
            decided_on=d["decided_on"],
            amount_awarded=d["amount_awarded"] or None,
            by=u,
        ),
        gettext_lazy("Decision recorded."),
    ),
    "pay": (
        PaymentForm,
        lambda c, u, d, f: compensation.record_payment(c, amount_paid=d["amount"], paid_on=d["paid_on"], by=u),
        gettext_lazy("Payment recorded."),
    ),
    "write-off": (
        WriteOffForm,
        lambda c, u, d, f: compensation.write_off(c, on=d["ended_on"], by=u),
        gettext_lazy("Award written off."),
    ),
    "send": (SendClaimForm, _send, gettext_lazy("Claim passed to the country where the crime happened.")),
}


@require_POST
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def claim_action(request: SignedInRequest, reference: str, action: str) -> HttpResponse:
    claim = compensation_access.get_claim_for(request.user, reference, write=True)
    step = STEPS.get(action)
    if step is None:
        return _detail(request, claim, status=404)
    form_class, verb, done = step
    kwargs: dict[str, Any] = {"links": compensation_abroad.links_for(claim, request.user)} if action == "send" else {}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        audit_bad_form(form, request.user, what=action, obj=claim, request=request)
        return _detail(request, claim, posted=(action, form), status=400)
    try:
        with refusals_audited(request.user, what=action, obj=claim, request=request):
            verb(claim, request.user, form.cleaned_data, form)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _detail(request, claim, posted=(action, form), status=status_of(exc))
    messages.success(request, str(done))
    return redirect("justice:claim", reference=claim.reference)
