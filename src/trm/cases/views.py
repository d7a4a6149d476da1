"""Case pages. Thin: fetch through access.py, validate with a form, call one verb, redirect."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest, capability_required
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import (
    access,
    casework,
    children,
    consent,
    deadlines,
    guardians,
    identification,
    screening,
    sections,
    tasks,
    timeline,
)
from trm.cases.access import get_case_for, visible_cases
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
    GuardianAccountForm,
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
from trm.cases.models import Case, Consent, IdentificationState
from trm.cases.protection_forms import NoReferralForm
from trm.lib.paging import BoundedPaginator
from trm.lib.refusals import status_of
from trm.vocab.htcds import CaseStatus

PAGE_SIZE = 25
# Support data a reader may be kept from (sections.support_withheld): its forms and timeline entries.
SUPPORT_ACTIONS = frozenset({"risk", "support"})
SUPPORT_ENTRIES = frozenset({"risk", "support"})
SUPPORT_FIELDS = frozenset({"risk_assessments", "support_plans"})
DETAIL_FIELDS = (
    "reference", "status", "state", "person.given_name", "person.family_name", "person.aliases",
    "person.date_of_birth", "person.gender", "person.citizenships", "person.languages", "detection_place",
    "narrative", "events", "screenings", "decisions", "consents", "notes", "risk_assessments", "support_plans",
    "permits", "age_assessments", "guardians", "best_interests", "tracings", "deadlines", "counterparts",
    "foreign_decisions", "child_status", "accompanying_adults", "placements", "missing_episodes",
    "migration_status", "route_encounters",
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
        qs = qs.with_exploitation(data["exploitation"])
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
    # The labels once per page: get_state_display() rebuilds the field's choices on every call.
    states, statuses = dict(IdentificationState.choices), dict(CaseStatus.choices)
    rows = [(case, states.get(case.state, case.state), statuses.get(case.status, case.status)) for case in page]
    template = "cases/list.html#results" if getattr(request, "htmx", False) else "cases/list.html"
    context = {"form": form, "search": SearchForm(), "page": page, "rows": rows, "today": timezone.localdate()}
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
    step: str  # the rule: a step of access.STEPS, an identification event, or DECIDE
    done: Any
    # False: the form is about one row (an episode, a placement) and its section builds it;
    # the page builds only a bound copy, to show its errors.
    on_page: bool = True


DECIDE = "decide"  # any decision of the competent authority; the form names the event


def _may(spec: CaseAction, user: Any, case: Case) -> bool:
    """Whether to offer the action's form: the verb's own predicate."""
    if spec.step == DECIDE:
        return bool(identification.decisions_for(user, case))
    if spec.step in identification.ACTOR:
        return identification.may(spec.step, user, case)
    return access.may(spec.step, user, case)


def _check(spec: CaseAction, request: HttpRequest, case: Case) -> None:
    """The verb's own refusal (404/403/409) before the form is read, so bad input cannot mask it."""
    if spec.step == DECIDE:
        identification.check(str(request.POST.get("event", "")), request.user, case)
    elif spec.step in identification.ACTOR:
        identification.check(spec.step, request.user, case)
    else:
        access.check(spec.step, request.user, case)


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
        raise ValidationError({"consent": _("No such consent on this case.")})
    return consent.withdraw(item, by=user)


ACTIONS: dict[str, CaseAction] = {
    "refer": CaseAction(
        ReferForm, _refer, identification.REFER, gettext_lazy("Case referred to the competent authority.")
    ),
    "anonymous": CaseAction(
        CaseForm,
        lambda c, u, d: identification.notify_anonymously(c, by=u),
        identification.NOTIFY_ANONYMOUSLY,
        gettext_lazy("Anonymous notification recorded."),
    ),
    "no_indicators": CaseAction(
        NoReferralForm,
        lambda c, u, d: identification.decide(c, event=identification.NO_INDICATORS, by=u, reasons=d["reasons"]),
        identification.NO_INDICATORS,
        gettext_lazy("Recorded: no indicators, no referral."),
    ),
    "owner": CaseAction(
        OwnerForm,
        lambda c, u, d: casework.assign_owner(c, owner=d["owner"], by=u),
        "assign_owner",
        gettext_lazy("Case owner assigned."),
    ),
    "follow_up": CaseAction(
        CaseForm,
        lambda c, u, d: casework.set_follow_up(c, by=u),
        "set_follow_up",
        gettext_lazy("The case is now in follow-up."),
    ),
    "decide": CaseAction(DecisionForm, _decide, DECIDE, gettext_lazy("Decision recorded.")),
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
            purposes=d["purposes"],
            recipient_countries=d["recipient_countries"],
            recipient_kinds=d["recipient_kinds"],
            expires_on=d["expires_on"],
        ),
        "give_consent",
        gettext_lazy("Consent recorded."),
    ),
    "withdraw": CaseAction(WithdrawConsentForm, _withdraw, "withdraw_consent", gettext_lazy("Consent withdrawn.")),
    "event": CaseAction(
        EventForm, lambda c, u, d: casework.add_event(c, by=u, **d), "add_event", gettext_lazy("Added.")
    ),
    "person": CaseAction(
        PersonForm,
        lambda c, u, d: casework.update_person(c, by=u, **PersonForm.changes_of(d)),
        "update_person",
        gettext_lazy("The person's details are corrected."),
    ),
    "note": CaseAction(
        NoteForm, lambda c, u, d: casework.add_note(c, by=u, text=d["text"]), "add_note", gettext_lazy("Saved.")
    ),
    "risk": CaseAction(
        RiskForm,
        lambda c, u, d: casework.record_risk_assessment(c, by=u, **d),
        "record_risk_assessment",
        gettext_lazy("Saved."),
    ),
    "support": CaseAction(
        SupportPlanForm,
        lambda c, u, d: casework.record_support_plan(c, by=u, **d),
        "record_support_plan",
        gettext_lazy("Saved."),
    ),
    "permit": CaseAction(
        PermitForm, lambda c, u, d: casework.record_permit(c, by=u, **d), "record_permit", gettext_lazy("Saved.")
    ),
    "close": CaseAction(
        CloseForm,
        lambda c, u, d: casework.close(c, by=u, reason=d["reason"]),
        "close",
        gettext_lazy("Case closed."),
    ),
    "age": CaseAction(
        AgeAssessmentForm,
        lambda c, u, d: children.record_age_assessment(c, by=u, **d),
        "record_age_assessment",
        gettext_lazy("Age assessment recorded."),
    ),
    "guardian": CaseAction(
        GuardianForm,
        lambda c, u, d: guardians.appoint(c, by=u, user=d.pop("guardian"), **d),
        "appoint_guardian",
        gettext_lazy("Guardian appointed."),
    ),
    "guardian_account": CaseAction(
        GuardianAccountForm,
        lambda c, u, d: guardians.link_account(d["appointment"].person, user=d["user"], by=u),
        "appoint_guardian",
        gettext_lazy("The guardian's account is linked: it sees the child's case."),
    ),
    "best_interests": CaseAction(
        BestInterestsForm,
        lambda c, u, d: children.record_best_interests(c, by=u, **d),
        "record_best_interests",
        gettext_lazy("Saved."),
    ),
    "tracing": CaseAction(
        FamilyTracingForm,
        lambda c, u, d: children.record_family_tracing(c, by=u, **d),
        "record_family_tracing",
        gettext_lazy("Saved."),
    ),
}


def _detail_context(request: HttpRequest, case: Case, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    user = request.user
    bound = bound or {}
    forms = {}
    withheld = sections.support_withheld(user, case)
    for name, action in ACTIONS.items():
        if name in ("withdraw", "anonymous", "follow_up") or (name == "no_indicators" and not case.is_child):
            continue
        if not action.on_page and name not in bound:
            continue
        if withheld and name in SUPPORT_ACTIONS:
            continue
        if name in bound or _may(action, user, case):
            forms[name] = bound.get(name) or action.form(case=case, user=user)
    today = timezone.localdate()
    rules = tasks.rules()
    open_deadlines = [
        {"deadline": d, "urgency": deadlines.urgency(d.due_on, today=today, rules=rules)} for d in case.deadlines.open()
    ]
    return {
        "case": case,
        "person": case.person,
        "forms": forms,
        "events": case.events.all(),
        "screenings": case.screenings.all()[:5],
        "consents": case.consents.prefetch_related("recipients"),
        "counterparts": case.counterparts.all(),
        "foreign_decisions": case.foreign_decisions.all(),
        "deadlines": open_deadlines,
        "timeline": [e for e in timeline.build(case) if not (withheld and e.kind in SUPPORT_ENTRIES)],
        "notes": case.notes.select_related("author")[:20],
        "risks": [] if withheld else case.risk_assessments.all()[:5],
        "plans": [] if withheld else case.support_plans.select_related("provider"),
        "support_withheld": withheld,
        "permits": case.permits.all(),
        "guardians": case.guardians.select_related("guardian", "person"),
        "can_withdraw": _may(ACTIONS["withdraw"], user, case),
        "can_screen": screening.may_screen(user, case),
        "can_anonymous": _may(ACTIONS["anonymous"], user, case),
        "can_no_indicators": _may(ACTIONS["no_indicators"], user, case),
        "can_follow_up": _may(ACTIONS["follow_up"], user, case),
        "return_blockers": children.return_blockers(case) if case.is_child else [],
        "sections": sections.sections_for(request, case),
        "age": case.person.age_on(today),
        "today": today,
    }


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def case_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    case = get_case_for(request.user, reference)
    fields: tuple[str, ...] = DETAIL_FIELDS
    if sections.support_withheld(request.user, case):
        fields = tuple(f for f in DETAIL_FIELDS if f not in SUPPORT_FIELDS)
    record(request.user, Action.READ, case, fields=fields, request=request)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _refused(request: HttpRequest, case: Case, exc: Exception, *, bound: dict[str, Any] | None = None) -> HttpResponse:
    """The case page again, with the verb's refusal and its status (403, 409 or 400)."""
    if bound is None:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc) or _("You may not do this.")]))
    record(request.user, Action.READ, case, fields=DETAIL_FIELDS, request=request)
    context = _detail_context(request, case, bound=bound)
    if bound:
        context["failed"] = next(iter(bound))
    return render(request, "cases/detail.html", context, status=status_of(exc))


@require_POST
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def case_action(request: SignedInRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = get_case_for(request.user, reference)
    try:
        _check(spec, request, case)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, case, exc)
    form = spec.form(request.POST, case=case, user=request.user)
    if not form.is_valid():
        return _refused(request, case, ValidationError(form.errors), bound={action: form})
    try:
        spec.verb(case, request.user, form.cleaned_data)
    except PermissionDenied as exc:
        return _refused(request, case, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _refused(request, case, exc, bound={action: form})
    messages.success(request, str(spec.done))
    return _after(request, case)


def _after(request: HttpRequest, case: Case) -> HttpResponse:
    """Back to the case, or to the list when the user no longer sees it (e.g. after referral)."""
    if visible_cases(request.user).filter(pk=case.pk).exists():
        return redirect("cases:detail", reference=case.reference)
    messages.info(request, _("Case %(ref)s is now with the competent authority.") % {"ref": case.reference})
    return redirect(reverse("cases:list"))


# ------------------------------------------------------------------------------------------
# Screening


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def case_screen(request: SignedInRequest, reference: str) -> HttpResponse:
    case = get_case_for(request.user, reference)
    try:
        identification.check(identification.SCREEN, request.user, case)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, case, exc)
    form = screening.ScreeningForm(request.POST or request.GET or None, case=case)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
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
            except PermissionDenied as exc:
                return _refused(request, case, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
                status = status_of(exc)
            else:
                messages.success(
                    request,
                    _("Screening recorded. Advice: %(outcome)s.") % {"outcome": result.get_outcome_display()},
                )
                return redirect("cases:detail", reference=case.reference)
    return render(request, "cases/screen.html", {"case": case, "form": form}, status=status)
