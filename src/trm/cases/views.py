"""Case pages. Thin: fetch through access.py, validate with a form, call one verb, redirect."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import capability_required
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import casework, children, consent, identification, screening, sections, tasks, timeline
from trm.cases.access import can_decide, can_manage, get_case_for, visible_cases
from trm.cases.forms import (
    REFERENCE_RE,
    AgeAssessmentForm,
    BestInterestsForm,
    CaseFilterForm,
    CaseForm,
    CloseForm,
    ConsentForm,
    DecisionForm,
    DetectionForm,
    EventForm,
    FamilyTracingForm,
    GuardianForm,
    NoteForm,
    OwnerForm,
    PermitForm,
    PersonForm,
    ReferForm,
    RiskForm,
    SearchForm,
    SupportPlanForm,
    WithdrawConsentForm,
)
from trm.cases.models import Case, Consent, TraffickingEvent
from trm.lib.paging import BoundedPaginator
from trm.vocab.htcds import CaseStatus

PAGE_SIZE = 25
DETAIL_FIELDS = (
    "reference", "status", "state", "person.given_name", "person.family_name", "person.aliases",
    "person.date_of_birth", "person.gender", "person.citizenships", "person.languages", "detection_place",
    "narrative", "events", "screenings", "decisions", "consents", "notes", "risk_assessments", "support_plans",
    "permits", "age_assessments", "guardians", "best_interests", "tracings", "deadlines",
)  # fmt: skip


# ------------------------------------------------------------------------------------------
# List and search


def filtered_cases(user: Any, data: dict[str, Any]) -> Any:
    """The user's cases narrowed by the validated filter form (all on indexed, plain columns)."""
    qs = visible_cases(user)
    if data.get("ref"):
        qs = qs.filter(reference=data["ref"])
    if data.get("nk"):
        qs = qs.filter(person__name_index=data["nk"])
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("state"):
        qs = qs.filter(state=data["state"])
    today = timezone.localdate()
    if data.get("deadline") == "overdue":
        qs = qs.filter(next_deadline__lt=today)
    elif data.get("deadline") == "week":
        qs = qs.filter(next_deadline__gte=today, next_deadline__lte=today + dt.timedelta(days=7))
    elif data.get("deadline") == "any":
        qs = qs.filter(next_deadline__isnull=False)
    if data.get("exploitation"):
        events = TraffickingEvent.objects.filter(case=OuterRef("pk"), exploitation_type=data["exploitation"])
        qs = qs.filter(Exists(events))
    if data.get("child") == "yes":
        qs = qs.filter(is_child=True)
    elif data.get("child") == "no":
        qs = qs.filter(is_child=False)
    if data.get("nationality"):
        qs = qs.filter(nationality=data["nationality"])
    return qs.order_by("-created_at", "-id")


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "cases/list.html", {"form": form, "search": SearchForm(), "page": None}, status=400)
    cases = filtered_cases(request.user, form.cleaned_data).only(
        "reference", "status", "state", "is_child", "nationality", "next_deadline", "detected_on", "created_at",
        "exploitation_types",
    )  # fmt: skip
    paginator = BoundedPaginator(cases, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    record(
        request.user,
        Action.READ,
        object_type="cases.case",
        object_ref="list",
        fields=["reference", "status", "state", "is_child", "nationality", "next_deadline"],
        note=f"{len(page.object_list)} rows",
        request=request,
    )
    template = "cases/list.html#results" if getattr(request, "htmx", False) else "cases/list.html"
    context = {"form": form, "search": SearchForm(), "page": page, "today": timezone.localdate()}
    return render(request, template, context)


def search_target(q: str) -> dict[str, str]:
    """A reference is looked up as such; anything else as an exact name, through its keyed hash."""
    q = " ".join(q.split())
    if re.match(REFERENCE_RE, q.upper()):
        return {"ref": q.upper()}
    return {"nk": casework.name_key(q, "")}


@require_POST
@capability_required(Cap.SEE_CASE_DATA)
def case_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST)
    if not form.is_valid():
        return redirect("cases:list")
    return redirect(f"{reverse('cases:list')}?{urlencode(search_target(form.cleaned_data['q']))}")


@require_http_methods(["GET", "POST"])
@capability_required(Cap.CREATE_CASE)
def case_new(request: HttpRequest) -> HttpResponse:
    form = DetectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = casework.record_detection(by=request.user, **form.verb_kwargs())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Detection recorded as case %(ref)s.") % {"ref": case.reference})
            return redirect("cases:detail", reference=case.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/new.html", {"form": form}, status=status)


# ------------------------------------------------------------------------------------------
# Detail and actions


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@dataclass(frozen=True)
class CaseAction:
    form: type
    verb: Callable[[Case, Any, dict[str, Any]], Any]
    allowed: Callable[[Any, Case], bool]
    done: Any


def _refer(case: Case, user: Any, d: dict[str, Any]) -> Any:
    return identification.refer(case, to=d["to"], by=user)


def _decide(case: Case, user: Any, d: dict[str, Any]) -> Any:
    return identification.decide(
        case,
        event=d["event"],
        by=user,
        decided_on=d["decided_on"],
        reasons=d["reasons"],
        decision_body=d["decision_body"],
    )


def _withdraw(case: Case, user: Any, d: dict[str, Any]) -> Any:
    item = Consent.objects.filter(case=case, pk=d["consent"]).first()
    if item is None:
        raise ValidationError(_("No such consent on this case."))
    return consent.withdraw(item, by=user)


def _is_open_and_managed(user: Any, case: Case) -> bool:
    return case.is_open and can_manage(user, case)


def _child_managed(user: Any, case: Case) -> bool:
    return case.is_open and case.is_child and can_manage(user, case)


def _may_note(user: Any, case: Case) -> bool:
    return True  # anyone who sees the case may add a note


ACTIONS: dict[str, CaseAction] = {
    "refer": CaseAction(
        ReferForm,
        _refer,
        lambda u, c: identification.REFER in identification.allowed_events_for(u, c),
        gettext_lazy("Case referred to the competent authority."),
    ),
    "anonymous": CaseAction(
        CaseForm,
        lambda c, u, d: identification.notify_anonymously(c, by=u),
        lambda u, c: identification.NOTIFY_ANONYMOUSLY in identification.allowed_events_for(u, c),
        gettext_lazy("Anonymous notification recorded."),
    ),
    "no_indicators": CaseAction(
        CaseForm,
        lambda c, u, d: identification.decide(c, event=identification.NO_INDICATORS, by=u),
        lambda u, c: identification.NO_INDICATORS in identification.allowed_events_for(u, c),
        gettext_lazy("Recorded: no indicators, no referral."),
    ),
    "owner": CaseAction(
        OwnerForm,
        lambda c, u, d: casework.assign_owner(c, owner=d["owner"], by=u),
        _is_open_and_managed,
        gettext_lazy("Case owner assigned."),
    ),
    "follow_up": CaseAction(
        CaseForm,
        lambda c, u, d: casework.set_follow_up(c, by=u),
        lambda u, c: c.status == CaseStatus.ACTIVE and can_manage(u, c),
        gettext_lazy("The case is now in follow-up."),
    ),
    "decide": CaseAction(
        DecisionForm, _decide, lambda u, c: can_decide(u, c) and c.is_open, gettext_lazy("Decision recorded.")
    ),
    "consent": CaseAction(
        ConsentForm,
        lambda c, u, d: consent.give(
            c,
            purpose=d["purpose"],
            language=d["language"],
            by=u,
            recipients=d["recipients"],
            interpreter=d["interpreter"],
            given_by=d["given_by"],
            scope=d["scope"],
        ),
        _is_open_and_managed,
        gettext_lazy("Consent recorded."),
    ),
    "withdraw": CaseAction(WithdrawConsentForm, _withdraw, _is_open_and_managed, gettext_lazy("Consent withdrawn.")),
    "event": CaseAction(
        EventForm, lambda c, u, d: casework.add_event(c, by=u, **d), _is_open_and_managed, gettext_lazy("Added.")
    ),
    "person": CaseAction(
        PersonForm,
        lambda c, u, d: casework.update_person(c, by=u, **PersonForm.changes_of(d)),
        _is_open_and_managed,
        gettext_lazy("The person's details are corrected."),
    ),
    "note": CaseAction(
        NoteForm, lambda c, u, d: casework.add_note(c, by=u, text=d["text"]), _may_note, gettext_lazy("Saved.")
    ),
    "risk": CaseAction(
        RiskForm,
        lambda c, u, d: casework.record_risk_assessment(c, by=u, **d),
        _is_open_and_managed,
        gettext_lazy("Saved."),
    ),
    "support": CaseAction(
        SupportPlanForm,
        lambda c, u, d: casework.record_support_plan(c, by=u, **d),
        _is_open_and_managed,
        gettext_lazy("Saved."),
    ),
    "permit": CaseAction(
        PermitForm, lambda c, u, d: casework.record_permit(c, by=u, **d), _is_open_and_managed, gettext_lazy("Saved.")
    ),
    "close": CaseAction(
        CloseForm,
        lambda c, u, d: casework.close(c, by=u, reason=d["reason"]),
        _is_open_and_managed,
        gettext_lazy("Case closed."),
    ),
    "age": CaseAction(
        AgeAssessmentForm,
        lambda c, u, d: children.record_age_assessment(c, by=u, **d),
        lambda u, c: c.is_open and can_manage(u, c),
        gettext_lazy("Age assessment recorded."),
    ),
    "guardian": CaseAction(
        GuardianForm,
        lambda c, u, d: children.appoint_guardian(c, by=u, **d),
        _child_managed,
        gettext_lazy("Guardian appointed."),
    ),
    "best_interests": CaseAction(
        BestInterestsForm,
        lambda c, u, d: children.record_best_interests(c, by=u, **d),
        _child_managed,
        gettext_lazy("Saved."),
    ),
    "tracing": CaseAction(
        FamilyTracingForm,
        lambda c, u, d: children.record_family_tracing(c, by=u, **d),
        _child_managed,
        gettext_lazy("Saved."),
    ),
}


def _detail_context(request: HttpRequest, case: Case, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    forms = {}
    for name, action in ACTIONS.items():
        if name in ("withdraw", "anonymous", "no_indicators", "follow_up"):
            continue
        if action.allowed(user, case):
            forms[name] = bound.get(name) or action.form(case=case, user=user)
    if "decide" in forms and not forms["decide"].fields["event"].choices:
        del forms["decide"]
    today = timezone.localdate()
    rules = tasks.rules()
    open_deadlines = [
        {"deadline": d, "urgency": tasks.deadlines.urgency(d.due_on, today=today, rules=rules)}
        for d in case.deadlines.open()
    ]
    return {
        "case": case,
        "person": case.person,
        "forms": forms,
        "events": case.events.all(),
        "screenings": case.screenings.all()[:5],
        "consents": case.consents.prefetch_related("recipients"),
        "deadlines": open_deadlines,
        "timeline": timeline.build(case),
        "notes": case.notes.select_related("author")[:20],
        "risks": case.risk_assessments.all()[:5],
        "plans": case.support_plans.select_related("provider"),
        "permits": case.permits.all(),
        "guardians": case.guardians.select_related("guardian"),
        "can_manage": _is_open_and_managed(user, case),
        "can_screen": case.is_open and screening.may_screen(user, case),
        "can_anonymous": ACTIONS["anonymous"].allowed(user, case),
        "can_no_indicators": ACTIONS["no_indicators"].allowed(user, case),
        "can_follow_up": ACTIONS["follow_up"].allowed(user, case),
        "return_blockers": children.return_blockers(case) if case.is_child else [],
        "sections": sections.sections_for(request, case),
        "age": case.person.age_on(today),
        "today": today,
    }


@require_GET
@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case_for(request.user, reference)
    record(request.user, Action.READ, case, fields=DETAIL_FIELDS, request=request)
    return render(request, "cases/detail.html", _detail_context(request, case))


@require_POST
@login_required
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = get_case_for(request.user, reference)
    if not spec.allowed(request.user, case):
        raise PermissionDenied
    form = spec.form(request.POST, case=case, user=request.user)
    if form.is_valid():
        try:
            spec.verb(case, request.user, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, str(spec.done))
            return _after(request, case)
    record(request.user, Action.READ, case, fields=DETAIL_FIELDS, request=request)
    context = _detail_context(request, case, bound={action: form})
    context["failed"] = action
    return render(request, "cases/detail.html", context, status=400)


def _after(request: HttpRequest, case: Case) -> HttpResponse:
    """Back to the case, or to the list when the user no longer sees it (e.g. after referral)."""
    if visible_cases(request.user).filter(pk=case.pk).exists():
        return redirect("cases:detail", reference=case.reference)
    messages.info(request, _("Case %(ref)s is now with the competent authority.") % {"ref": case.reference})
    return redirect(reverse("cases:list"))


# ------------------------------------------------------------------------------------------
# Screening


@require_http_methods(["GET", "POST"])
@login_required
def case_screen(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case_for(request.user, reference, write=True)
    if not screening.may_screen(request.user, case):
        raise PermissionDenied
    form = screening.ScreeningForm(request.POST or request.GET or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            result = screening.record_screening(
                case,
                set_key=form.cleaned_data["indicator_set"],
                hits=form.hits(),
                by=request.user,
                interpreter_used=form.cleaned_data["interpreter_used"],
                note=form.cleaned_data["note"],
                answers=form.answers(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Screening recorded. Advice: %(outcome)s.") % {"outcome": result.get_outcome_display()}
            )
            return redirect("cases:detail", reference=case.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/screen.html", {"case": case, "form": form}, status=status)
