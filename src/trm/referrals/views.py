"""Referral and directory pages. Thin: fetch through access.py, validate with a form, call one verb.

The provider's pages are rendered from a Projection (fieldsets.project) and the referral's
own rows; the Case object is never put in their context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest, capability_required
from trm.accounts.models import User
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.audit.refusals import record_refusal
from trm.cases.models import ConsentPurpose
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.paging import BoundedPaginator
from trm.referrals import access, directory, fieldsets, notifications, pdf, plans, routing
from trm.referrals.forms import (
    CapacityForm,
    ChooseCaseForm,
    CompleteForm,
    DeclineForm,
    DeliveryForm,
    DirectoryFilterForm,
    EmptyForm,
    PlanForm,
    ProviderForm,
    ReferForm,
    ReferralFilterForm,
    WithdrawForm,
)
from trm.referrals.models import ACTIVE_STATUSES, Provider, Referral, Service

PAGE_SIZE = 25
LIST_FIELDS = ["reference", "service", "status", "to_org", "answer_due"]


def _may_start_referrals(user: User) -> bool:
    return any(user.can(c) for c in (Cap.REFER_NATIONALLY, Cap.VIEW_ORG_CASES, Cap.CREATE_CASE))


# ------------------------------------------------------------------------------------------
# Lists


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def referral_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form = ReferralFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "referrals/list.html", {"form": form}, status=400)
    today = timezone.localdate()
    incoming = access.receiving_referrals(user).select_related("provider__organisation").order_by("answer_due", "id")
    receiving_ids = incoming.values("pk")
    outgoing = access.visible_referrals(user).exclude(pk__in=receiving_ids).select_related("to_org", "case")
    status, case_ref = form.cleaned_data["status"], form.cleaned_data["case"].strip().upper()
    if status == "active":
        outgoing = outgoing.filter(status__in=ACTIVE_STATUSES)
    elif status == "overdue":
        outgoing, incoming = outgoing.overdue(today), incoming.overdue(today)
    elif status == "ended":
        outgoing = outgoing.exclude(status__in=ACTIVE_STATUSES)
    if case_ref:
        outgoing = outgoing.filter(case__reference=case_ref)
    page = BoundedPaginator(outgoing.order_by("-referred_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    incoming_rows = list(incoming[:200])
    record(
        user,
        Action.READ,
        object_type="referrals.referral",
        object_ref="list",
        fields=LIST_FIELDS,
        note=f"{len(incoming_rows)} incoming, {len(page.object_list)} outgoing",
        request=request,
    )
    context = {
        "form": form,
        "incoming": incoming_rows,
        "page": page,
        "today": today,
        "choose": ChooseCaseForm(auto_id="start_%s") if _may_start_referrals(user) else None,
        "is_provider": user.can(Cap.HANDLE_REFERRALS),
    }
    return render(request, "referrals/list.html", context)


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def referral_start(request: SignedInRequest) -> HttpResponse:
    form = ChooseCaseForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Give a case reference."))
        return redirect("referrals:list")
    return redirect("referrals:new", case_ref=form.cleaned_data["case"])


# ------------------------------------------------------------------------------------------
# Referring


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def referral_new(request: SignedInRequest, case_ref: str) -> HttpResponse:
    case = access.get_case_to_refer(request.user, case_ref)
    form = ReferForm(request.POST or None, initial=_initial(request))
    # The providers that fit the case and the chosen service are offered; the others are listed
    # with their reasons. The verb refuses an unfit provider with the same reason (routing.unfit).
    service = str((request.POST or request.GET).get("service", ""))
    choice = None
    if service in Service.values:
        providers = Provider.objects.active().select_related("organisation").order_by("organisation__name")
        fits, others = routing.choose(providers, case, service, timezone.localdate())
        choice = {"service": Service(service).label, "fits": fits, "others": others}
        form.offer_providers(fits)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with routing.audited_refusals(request.user, what="refer", obj=case, request=request):
                referral = routing.refer(
                    case,
                    to=d["provider"],
                    service=d["service"],
                    field_set=d["field_set"],
                    by=request.user,
                    needs=d["needs"],
                    health_notes=d["health_notes"],
                    urgent=d["urgent"],
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Case referred to %(org)s as %(ref)s.") % {"org": referral.to_org, "ref": referral.reference},
            )
            return redirect("referrals:detail", reference=referral.reference)
    status = 400 if request.method == "POST" else 200
    # Consents for assistance given here, and those carried from another country (their scope says what they cover).
    consents = case.consents.filter(Q(purpose=ConsentPurpose.ASSISTANCE) | ~Q(origin_country="")).prefetch_related(
        "recipients"
    )
    context = {
        "case": case,
        "form": form,
        "choice": choice,
        "services": Service.choices,
        "consents": consents,
        "best_interests": case.best_interests.exists() if case.is_child else False,
        "field_sets": [(k, fs, [fieldsets.FIELDS[f] for f in fs.fields]) for k, fs in fieldsets.FIELD_SETS.items()],
        "existing": case.service_referrals.select_related("to_org").order_by("-referred_at")[:20],
    }
    record(request.user, Action.READ, case, fields=["consents", "referrals"], request=request)
    return render(request, "referrals/new.html", context, status=status)


def _initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    if request.GET.get("provider", "").isdigit():
        initial["provider"] = int(request.GET["provider"])
    if request.GET.get("service") in Service.values:
        initial["service"] = request.GET["service"]
        sets = fieldsets.field_sets_for(request.GET["service"])
        initial["field_set"] = sets[0] if sets else None
    return initial


# ------------------------------------------------------------------------------------------
# One referral


@dataclass(frozen=True)
class ReferralAction:
    form: type
    verb: Callable[[Referral, Any, dict[str, Any]], Any]
    side: str  # "receiving" or "referring"
    done: Any


ACTIONS: dict[str, ReferralAction] = {
    "accept": ReferralAction(
        EmptyForm, lambda r, u, d: routing.accept(r, by=u), "receiving", gettext_lazy("Referral accepted.")
    ),
    "decline": ReferralAction(
        DeclineForm,
        lambda r, u, d: routing.decline(r, by=u, reason=d["reason"], note=d["note"]),
        "receiving",
        gettext_lazy("Referral declined. Your access to it has ended."),
    ),
    "start": ReferralAction(
        EmptyForm, lambda r, u, d: routing.start(r, by=u), "receiving", gettext_lazy("Services started.")
    ),
    "deliver": ReferralAction(
        DeliveryForm,
        lambda r, u, d: routing.record_service(r, by=u, **d),
        "receiving",
        gettext_lazy("Service recorded. The referring organisation can read it."),
    ),
    "complete": ReferralAction(
        CompleteForm,
        lambda r, u, d: routing.complete(r, by=u, report=d["report"]),
        "receiving",
        gettext_lazy("Referral completed and reported. Your access to it has ended."),
    ),
    "plan": ReferralAction(
        PlanForm,
        lambda r, u, d: plans.create(r, by=u, **d),
        "receiving",
        gettext_lazy("Support plan started. The referring case manager can follow it."),
    ),
    "withdraw": ReferralAction(
        WithdrawForm,
        lambda r, u, d: routing.withdraw(r, by=u, reason=d["reason"]),
        "referring",
        gettext_lazy("Referral withdrawn. The provider no longer sees it."),
    ),
}


def _forms_for(user: User, referral: Referral, receiving: bool, bound: dict[str, Any]) -> dict[str, Any]:
    forms: dict[str, Any] = {}
    events = routing.allowed_events(referral)
    for name, spec in ACTIONS.items():
        if (spec.side == "receiving") != receiving:
            continue
        if name == "deliver":
            if referral.status not in routing.DELIVERY_STATES:
                continue
        elif name == "plan":
            if referral.status not in plans.PLAN_STATES:
                continue
        elif name not in events:
            continue
        if name == "withdraw" and not access.may_withdraw(user, referral):
            continue
        forms[name] = bound.get(name) or (spec.form(referral=referral) if spec.form is DeliveryForm else spec.form())
    return forms


def _detail(
    request: SignedInRequest, referral: Referral, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    receiving = access.is_receiving(user, referral)
    projection = fieldsets.project(referral)
    context: dict[str, Any] = {
        "r": referral,
        "projection": projection,
        "receiving": receiving,
        "forms": _forms_for(user, referral, receiving, bound or {}),
        "deliveries": referral.deliveries.select_related("recorded_by"),
        "today": timezone.localdate(),
        "field_set_label": fieldsets.FIELD_SETS[referral.field_set].label,
    }
    if receiving:
        context["plans"] = list(plans.plans_of_referral(user, referral))
    else:
        context["case_ref"] = referral.case.reference
        context["basis_holds"] = referral.basis_holds(timezone.now())
    record(user, Action.READ, referral, fields=projection.keys, request=request)
    template = "referrals/detail_provider.html" if receiving else "referrals/detail.html"
    return render(request, template, context, status=status)


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def referral_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    referral = access.get_referral_for(request.user, reference)
    notifications.mark_read(
        request.user, referral.notifications.filter(recipient=request.user).values_list("pk", flat=True)
    )
    return _detail(request, referral)


@require_POST
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def referral_action(request: SignedInRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    referral = access.get_referral_for(request.user, reference)
    form = spec.form(request.POST, referral=referral) if spec.form is DeliveryForm else spec.form(request.POST)
    if form.is_valid():
        try:
            with routing.audited_refusals(request.user, what=action, obj=referral, request=request):
                spec.verb(referral, request.user, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            if access.visible_referrals(request.user).filter(pk=referral.pk).exists():
                return redirect("referrals:detail", reference=referral.reference)
            return redirect("referrals:list")
    referral.refresh_from_db()
    response = _detail(request, referral, bound={action: form}, status=400)
    return response


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def referral_field(request: SignedInRequest, reference: str, field: str) -> HttpResponse:
    """One field of the referral, only if it was shared; asking for another is refused and audited."""
    referral = access.get_referral_for(request.user, reference)
    if field not in fieldsets.FIELDS:
        raise Http404
    projection = fieldsets.project(referral)
    shared = projection.get(field)
    if shared is None:
        record_refusal(request, status=403, obj=referral, fields=[field], note="field not shared")
        context = {"r": referral, "label": fieldsets.FIELDS[field]}
        return render(request, "referrals/field_refused.html", context, status=403)
    record(request.user, Action.READ, referral, fields=[field], request=request)
    return render(request, "referrals/field.html", {"r": referral, "field": shared})


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def referral_pdf(request: SignedInRequest, reference: str) -> HttpResponse:
    referral = access.get_referral_for(request.user, reference)
    projection = fieldsets.project(referral)
    record(request.user, Action.EXPORT, referral, fields=projection.keys, note="referral form", request=request)
    return _pdf_response(pdf.form_pdf(referral, projection), f"referral-{referral.reference}.pdf")


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def referral_receipt(request: SignedInRequest, reference: str) -> HttpResponse:
    referral = access.get_referral_for(request.user, reference)
    record(request.user, Action.EXPORT, referral, note="referral receipt", request=request)
    return _pdf_response(pdf.receipt_pdf(referral), f"receipt-{referral.reference}.pdf")


# ------------------------------------------------------------------------------------------
# Notifications


@require_http_methods(["GET", "POST"])
@login_required
def notification_list(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        notifications.mark_read(request.user)
        messages.success(request, _("All notifications marked as read."))
        return redirect("referrals:notifications")
    rows = notifications.rows(request.user, notifications.for_user(request.user)[:100])
    return render(request, "referrals/notifications.html", {"rows": rows})


# ------------------------------------------------------------------------------------------
# Directory


@require_GET
@login_required
def directory_list(request: SignedInRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "referrals/directory.html", {"form": form, "providers": []}, status=400)
    providers = directory.search(request.user, directory.Filters(**form.cleaned_data))
    context = {
        "form": form,
        "providers": providers,
        "may_maintain": access.may_maintain_directory(request.user),
        "today": timezone.localdate(),
    }
    template = "referrals/directory.html#results" if getattr(request, "htmx", False) else "referrals/directory.html"
    return render(request, template, context)


@require_GET
@login_required
def provider_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    provider = access.get_provider_for(request.user, pk)
    context = {
        "p": provider,
        "may_maintain": access.may_maintain_directory(request.user),
        "capacity_form": CapacityForm(initial={"free_places": provider.free_places, "capacity": provider.capacity})
        if access.may_update_capacity(request.user, provider)
        else None,
        "today": timezone.localdate(),
    }
    return render(request, "referrals/provider.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def provider_new(request: SignedInRequest) -> HttpResponse:
    if not access.may_maintain_directory(request.user):
        raise PermissionDenied
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with routing.audited_refusals(
                request.user, what="add provider", object_type="referrals.provider", request=request
            ):
                provider = directory.add_provider(
                    organisation=form.cleaned_data["organisation"], by=request.user, **form.verb_kwargs()
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Added to the directory."))
            return redirect("referrals:provider", pk=provider.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "referrals/provider_form.html", {"form": form, "p": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def provider_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    provider = access.get_provider_for(request.user, pk, write=True)
    form = ProviderForm(request.POST or None, provider=provider)
    if request.method == "POST" and form.is_valid():
        try:
            with routing.audited_refusals(request.user, what="update provider", obj=provider, request=request):
                directory.update_provider(provider, by=request.user, **form.verb_kwargs())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Directory entry saved."))
            return redirect("referrals:provider", pk=provider.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "referrals/provider_form.html", {"form": form, "p": provider}, status=status)


@require_POST
@login_required
def provider_capacity(request: SignedInRequest, pk: int) -> HttpResponse:
    provider = access.get_provider_for(request.user, pk)
    if not access.may_update_capacity(request.user, provider):
        raise PermissionDenied
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            with routing.audited_refusals(request.user, what="capacity", obj=provider, request=request):
                directory.set_capacity(
                    provider, by=request.user, free_places=form.cleaned_data["free_places"],
                    capacity=form.cleaned_data["capacity"],
                )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Free places updated."))
            return redirect("referrals:provider", pk=provider.pk)
    context = {"p": provider, "may_maintain": access.may_maintain_directory(request.user), "capacity_form": form}
    return render(request, "referrals/provider.html", context, status=400)
