"""Support plan pages: the provider's work on a plan and the referring side's view of its progress.

Thin: fetch through access.py (another provider's plan is a 404), validate with a form, call one
verb of plans.py, redirect. A provider's page never shows the case: the plan, its progress and
the provider's own referrals of it only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from trm.accounts.access import SignedInRequest, capability_required
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import visible_cases
from trm.cases.models import SupportPlan, SupportPlanStatus
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.refusals import status_of
from trm.referrals import access, plans, routing
from trm.referrals.forms import PlanCloseForm, PlanEditForm, PlanStartForm, ProgressForm
from trm.referrals.models import Service

PLAN_FIELDS = ["type", "status", "provider", "starts_on", "review_on", "goals", "progress", "outcome"]


@dataclass(frozen=True)
class PlanAction:
    form: type
    verb: Callable[[SupportPlan, Any, dict[str, Any]], Any]
    legend: Any
    button: Any
    done: Any
    event: str = ""  # a move of plans.TRANSITIONS, offered only when the plan's state allows it
    danger: bool = False


ACTIONS: dict[str, PlanAction] = {
    "progress": PlanAction(
        ProgressForm,
        lambda p, u, d: plans.record_progress(p, by=u, **d),
        gettext_lazy("Record progress"),
        gettext_lazy("Save progress"),
        gettext_lazy("Progress recorded. The referring case manager can read it."),
    ),
    "edit": PlanAction(
        PlanEditForm,
        lambda p, u, d: plans.update(p, by=u, goals=d["goals"], review_on=d["review_on"]),
        gettext_lazy("Edit goals and review date"),
        gettext_lazy("Save"),
        gettext_lazy("Support plan saved."),
    ),
    "start": PlanAction(
        PlanStartForm,
        lambda p, u, d: plans.move(p, by=u, event=plans.START),
        gettext_lazy("Start the plan"),
        gettext_lazy("Start"),
        gettext_lazy("The plan is active."),
        event=plans.START,
    ),
    "complete": PlanAction(
        PlanCloseForm,
        lambda p, u, d: plans.move(p, by=u, event=plans.COMPLETE, outcome=d["outcome"]),
        gettext_lazy("Complete the plan"),
        gettext_lazy("Complete"),
        gettext_lazy("The plan is completed."),
        event=plans.COMPLETE,
    ),
    "stop": PlanAction(
        PlanCloseForm,
        lambda p, u, d: plans.move(p, by=u, event=plans.STOP, outcome=d["outcome"]),
        gettext_lazy("Stop the plan"),
        gettext_lazy("Stop"),
        gettext_lazy("The plan is stopped."),
        event=plans.STOP,
        danger=True,
    ),
}


def _offered(user: Any, plan: SupportPlan) -> list[str]:
    """The actions to offer on this plan now: the verbs' own rules."""
    if not access.may_edit_plan(user, plan) or not plans.allowed_events(plan):
        return []
    events = plans.allowed_events(plan)
    return [name for name, spec in ACTIONS.items() if not spec.event or spec.event in events]


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def plan_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    rows = list(
        access.visible_plans(user)
        .filter(status__in=[SupportPlanStatus.PLANNED, SupportPlanStatus.ACTIVE])
        .select_related("case", "provider")
        .order_by("review_on", "id")[:200]
    )
    seen = set(visible_cases(user).filter(pk__in=[p.case_id for p in rows]).values_list("pk", flat=True))
    record(
        user,
        Action.READ,
        object_type="cases.supportplan",
        object_ref="list",
        fields=["type", "status", "provider", "review_on"],
        note=f"{len(rows)} rows",
        request=request,
    )
    context = {
        "rows": [{"plan": p, "case_ref": p.case.reference if p.case_id in seen else ""} for p in rows],
        "is_provider": user.can(Cap.HANDLE_REFERRALS),
        "today": timezone.localdate(),
    }
    return render(request, "referrals/plans.html", context)


def _detail(request: SignedInRequest, plan: SupportPlan, status: int = 200) -> HttpResponse:
    user = request.user
    sees_case = visible_cases(user).filter(pk=plan.case_id).exists()
    providing = access.is_plan_provider(user, plan)
    context = {
        "plan": plan,
        "progress": plan.progress.select_related("recorded_by", "recorded_org"),
        "service_labels": dict(Service.choices),
        "case_ref": plan.case.reference if sees_case else "",
        "referrals": list(access.receiving_referrals(user).filter(case_id=plan.case_id).order_by("-referred_at")[:10])
        if providing
        else [],
        "offered": _offered(user, plan),
        "actions": ACTIONS,
        "today": timezone.localdate(),
    }
    record(user, Action.READ, plan, fields=PLAN_FIELDS, request=request)
    return render(request, "referrals/plan.html", context, status=status)


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def plan_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return _detail(request, access.get_plan_for(request.user, pk))


def _form_page(request: HttpRequest, plan: SupportPlan, name: str, form: Any, status: int = 200) -> HttpResponse:
    context = {"plan": plan, "action": name, "spec": ACTIONS[name], "form": form}
    template = "referrals/_plan_form.html" if getattr(request, "htmx", False) else "referrals/plan_form.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA)
def plan_action(request: SignedInRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    plan = access.get_plan_for(request.user, pk, write=True)  # 404 unseen (another provider's), 403 seen
    if action not in _offered(request.user, plan):
        messages.error(request, str(gettext_lazy("This step is not possible on this plan now.")))
        return _detail(request, plan, status=409)
    if request.method == "GET":
        return _form_page(request, plan, action, spec.form(plan=plan, auto_id=f"{action}_%s"))
    form = spec.form(request.POST, plan=plan, auto_id=f"{action}_%s")
    if not form.is_valid():
        return _form_page(request, plan, action, form, status=400)
    try:
        with routing.audited_refusals(request.user, what=f"plan {action}", obj=plan, request=request):
            spec.verb(plan, request.user, form.cleaned_data)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        _add_errors(form, exc)
        return _form_page(request, plan, action, form, status=status_of(exc))
    messages.success(request, str(spec.done))
    return redirect("referrals:plan", pk=plan.pk)
