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
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
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
    duplicates,
    guardians,
    guidance,
    identification,
    screening,
    screening_text,
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
from trm.lib.formpages import add_errors as _add_errors
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
    context = {
        "form": form,
        "search": SearchForm(),
        "page": page,
        "rows": rows,
        "today": timezone.localdate(),
        "provider_only": _provider_only(request.user),
    }
    return render(request, template, context)


def _provider_only(user: Any) -> bool:
    """A service provider's case manager: sees people through referrals and support plans, not cases."""
    if not user.can(Cap.HANDLE_REFERRALS):
        return False
    return not any(user.can(c) for c in (Cap.VIEW_ALL_CASES, Cap.VIEW_ORG_CASES, Cap.CREATE_CASE, Cap.REPRESENT_CHILD))


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
    matches = duplicates.Matches()
    if request.method == "POST" and form.is_valid():
        kwargs = form.verb_kwargs()
        # Before saving: the same name and date of birth, or the same document, already on a case?
        # The user may go on deliberately (the box on the warning).
        if request.POST.get("confirm_new") != "yes":
            matches = duplicates.find(
                request.user,
                given_name=kwargs["given_name"],
                family_name=kwargs["family_name"],
                date_of_birth=kwargs["date_of_birth"],
                documents=kwargs["documents"],
            )
        if not matches:
            try:
                case = casework.record_detection(by=request.user, **kwargs)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Detection recorded as case %(ref)s.") % {"ref": case.reference})
                return redirect("cases:detail", reference=case.reference)
    status = 400 if request.method == "POST" and not matches else 200
    return render(request, "cases/new.html", {"form": form, "matches": matches}, status=status)


# ------------------------------------------------------------------------------------------
# Detail and actions


@dataclass(frozen=True)
class CaseAction:
    form: type
    verb: Callable[[Case, Any, dict[str, Any]], Any]
    step: str  # the rule: a step of access.STEPS, an identification event, or DECIDE
    done: Any
    legend: Any = ""  # the form's title, and the link that opens it
    button: Any = ""
    section: str = ""  # the section of the case page it belongs to (its anchor)
    on_demand: bool = True  # a form opened on its own (False: a button on the case page, POST only)
    danger: bool = False


DECIDE = "decide"  # any decision of the competent authority; the form names the event


def _may(spec: CaseAction, user: Any, case: Case) -> bool:
    """Whether to offer the action's form: the verb's own predicate."""
    if spec.step == DECIDE:
        return bool(identification.decisions_for(user, case))
    if spec.step in identification.ACTOR:
        return identification.may(spec.step, user, case)
    return access.may(spec.step, user, case)


def _check(spec: CaseAction, request: HttpRequest, case: Case) -> None:
    """The verb's own refusal (404/403/409) before the form is read, so bad input cannot mask it.

    Opening a form (GET) is refused as its submission would be: for a decision, as the first
    decision the case's state allows (or reasonable grounds, refused by the state, when none).
    """
    if spec.step == DECIDE:
        event = str(request.POST.get("event", ""))
        if request.method == "GET":
            allowed = [e for e in identification.allowed_events(case) if identification.ACTOR[e] == "decide"]
            event = allowed[0] if allowed else identification.RG_POSITIVE
        identification.check(event, request.user, case)
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
        ReferForm,
        _refer,
        identification.REFER,
        gettext_lazy("Case referred to the competent authority."),
        gettext_lazy("Refer to the competent authority"),
        gettext_lazy("Refer"),
        "identification",
    ),
    "anonymous": CaseAction(
        CaseForm,
        lambda c, u, d: identification.notify_anonymously(c, by=u),
        identification.NOTIFY_ANONYMOUSLY,
        gettext_lazy("Anonymous notification recorded."),
        section="identification",
        on_demand=False,
    ),
    "no_indicators": CaseAction(
        NoReferralForm,
        lambda c, u, d: identification.decide(c, event=identification.NO_INDICATORS, by=u, reasons=d["reasons"]),
        identification.NO_INDICATORS,
        gettext_lazy("Recorded: no indicators, no referral."),
        gettext_lazy("Decide that no referral is needed"),
        gettext_lazy("Record: no referral"),
        "identification",
    ),
    "owner": CaseAction(
        OwnerForm,
        lambda c, u, d: casework.assign_owner(c, owner=d["owner"], by=u),
        "assign_owner",
        gettext_lazy("Case owner assigned."),
        gettext_lazy("Assign the case owner"),
        gettext_lazy("Assign"),
        "summary",
    ),
    "follow_up": CaseAction(
        CaseForm,
        lambda c, u, d: casework.set_follow_up(c, by=u),
        "set_follow_up",
        gettext_lazy("The case is now in follow-up."),
        section="close",
        on_demand=False,
    ),
    "decide": CaseAction(
        DecisionForm,
        _decide,
        DECIDE,
        gettext_lazy("Decision recorded."),
        gettext_lazy("Record a decision"),
        gettext_lazy("Record decision"),
        "identification",
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
            purposes=d["purposes"],
            recipient_countries=d["recipient_countries"],
            recipient_kinds=d["recipient_kinds"],
            expires_on=d["expires_on"],
        ),
        "give_consent",
        gettext_lazy("Consent recorded."),
        gettext_lazy("Record consent"),
        gettext_lazy("Record consent"),
        "consent",
    ),
    "withdraw": CaseAction(
        WithdrawConsentForm,
        _withdraw,
        "withdraw_consent",
        gettext_lazy("Consent withdrawn."),
        section="consent",
        on_demand=False,
    ),
    "event": CaseAction(
        EventForm,
        lambda c, u, d: casework.add_event(c, by=u, **d),
        "add_event",
        gettext_lazy("Added."),
        gettext_lazy("Add a stage"),
        gettext_lazy("Add"),
        "route",
    ),
    "person": CaseAction(
        PersonForm,
        lambda c, u, d: casework.update_person(c, by=u, **PersonForm.changes_of(d)),
        "update_person",
        gettext_lazy("The person's details are corrected."),
        gettext_lazy("Correct the person's details"),
        gettext_lazy("Save"),
        "person",
    ),
    "note": CaseAction(
        NoteForm,
        lambda c, u, d: casework.add_note(c, by=u, text=d["text"]),
        "add_note",
        gettext_lazy("Saved."),
        gettext_lazy("Add a note"),
        gettext_lazy("Save note"),
        "notes",
    ),
    "risk": CaseAction(
        RiskForm,
        lambda c, u, d: casework.record_risk_assessment(c, by=u, **d),
        "record_risk_assessment",
        gettext_lazy("Saved."),
        gettext_lazy("Record a risk assessment"),
        gettext_lazy("Save"),
        "support",
    ),
    "support": CaseAction(
        SupportPlanForm,
        lambda c, u, d: casework.record_support_plan(c, by=u, **d),
        "record_support_plan",
        gettext_lazy("Saved."),
        gettext_lazy("Add a support plan"),
        gettext_lazy("Save"),
        "support",
    ),
    "permit": CaseAction(
        PermitForm,
        lambda c, u, d: casework.record_permit(c, by=u, **d),
        "record_permit",
        gettext_lazy("Saved."),
        gettext_lazy("Record a residence permit"),
        gettext_lazy("Save"),
        "support",
    ),
    "close": CaseAction(
        CloseForm,
        lambda c, u, d: casework.close(c, by=u, reason=d["reason"]),
        "close",
        gettext_lazy("Case closed."),
        gettext_lazy("Close the case"),
        gettext_lazy("Close case"),
        "close",
        danger=True,
    ),
    "age": CaseAction(
        AgeAssessmentForm,
        lambda c, u, d: children.record_age_assessment(c, by=u, **d),
        "record_age_assessment",
        gettext_lazy("Age assessment recorded."),
        gettext_lazy("Record an age assessment"),
        gettext_lazy("Save"),
        "child",
    ),
    "guardian": CaseAction(
        GuardianForm,
        lambda c, u, d: guardians.appoint(c, by=u, user=d.pop("guardian"), **d),
        "appoint_guardian",
        gettext_lazy("Guardian appointed."),
        gettext_lazy("Appoint a guardian"),
        gettext_lazy("Appoint"),
        "child",
    ),
    "guardian_account": CaseAction(
        GuardianAccountForm,
        lambda c, u, d: guardians.link_account(d["appointment"].person, user=d["user"], by=u),
        "appoint_guardian",
        gettext_lazy("The guardian's account is linked: it sees the child's case."),
        gettext_lazy("Link a guardian to their account"),
        gettext_lazy("Link"),
        "child",
    ),
    "best_interests": CaseAction(
        BestInterestsForm,
        lambda c, u, d: children.record_best_interests(c, by=u, **d),
        "record_best_interests",
        gettext_lazy("Saved."),
        gettext_lazy("Best interests assessment or determination"),
        gettext_lazy("Save"),
        "child",
    ),
    "tracing": CaseAction(
        FamilyTracingForm,
        lambda c, u, d: children.record_family_tracing(c, by=u, **d),
        "record_family_tracing",
        gettext_lazy("Saved."),
        gettext_lazy("Family tracing"),
        gettext_lazy("Save"),
        "child",
    ),
}


@dataclass(frozen=True)
class Section:
    anchor: str
    title: Any
    panel: Any = None  # a section registered by another app (cases.sections)


def _sections(case: Case, can: dict[str, bool], registered: list[Any]) -> list[Section]:
    """The sections of the case page, in order, each with its anchor for the navigation."""
    out = [
        Section("identification", gettext_lazy("Identification")),
        Section("person", gettext_lazy("Person")),
        Section("route", gettext_lazy("Route")),
        Section("consent", gettext_lazy("Consent")),
    ]
    if case.is_child or can["age"]:
        out.append(Section("child", gettext_lazy("Child protection")))
    out.append(Section("support", gettext_lazy("Risk, support and residence")))
    out += [Section(f"section-{i}", panel.title, panel) for i, panel in enumerate(registered, start=1)]
    out += [Section("notes", gettext_lazy("Notes")), Section("timeline", gettext_lazy("Timeline"))]
    if can["close"] or can["follow_up"]:
        out.append(Section("close", gettext_lazy("Close the case")))
    return out


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What the case page shows: the case's records and the actions this user may take on it now.

    No form is built here: each opens on demand (case_action, GET), so the page renders no
    pick-list of countries, languages or organisations.
    """
    user = request.user
    withheld = sections.support_withheld(user, case)
    can = {
        name: _may(action, user, case) and not (withheld and name in SUPPORT_ACTIONS)
        for name, action in ACTIONS.items()
    }
    today = timezone.localdate()
    rules = tasks.rules()
    screenings = list(case.screenings.all()[:5])
    open_deadlines = [
        {"deadline": d, "urgency": deadlines.urgency(d.due_on, today=today, rules=rules)}
        for d in tasks.open_deadlines_for(user, case)
    ]
    plans = list(case.support_plans.select_related("provider").prefetch_related("progress"))
    registered = sections.sections_for(request, case)
    return {
        "case": case,
        "person": case.person,
        "can": can,
        "actions": ACTIONS,
        # The forms shown in place (an open missing episode's) name their title and button.
        "spec": {"legend": "", "button": "", "section": "", "danger": False},
        "stages": guidance.stepper(case, assisted=any(p.status == "active" for p in plans)),
        "next": guidance.next_step(case),
        "nav": _sections(case, can, registered),
        "events": case.events.all(),
        "screenings": screenings,
        # The latest screening's reasons, rendered from their codes in the page's language.
        "screening_reasons": screening_text.reasons(screenings[0].dimensions) if screenings else [],
        "screening_advice": screening_text.advice(screenings[0].dimensions) if screenings else "",
        "consents": case.consents.prefetch_related("recipients"),
        "counterparts": case.counterparts.all(),
        "foreign_decisions": case.foreign_decisions.all(),
        "deadlines": open_deadlines,
        "next_deadline": open_deadlines[0] if open_deadlines else None,
        "notes": case.notes.select_related("author")[:20],
        "risks": [] if withheld else case.risk_assessments.all()[:5],
        "plans": [] if withheld else plans,
        "support_withheld": withheld,
        "permits": case.permits.all(),
        "guardians": case.guardians.select_related("guardian", "person"),
        "can_screen": screening.may_screen(user, case),
        "return_blockers": children.return_blockers(case) if case.is_child else [],
        "age": case.person.age_on(today),
        "today": today,
    }


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def case_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    case = get_case_for(request.user, reference, related=("owner", "owner_org", "routed_to_org"))
    fields: tuple[str, ...] = DETAIL_FIELDS
    if sections.support_withheld(request.user, case):
        fields = tuple(f for f in DETAIL_FIELDS if f not in SUPPORT_FIELDS)
    record(request.user, Action.READ, case, fields=fields, request=request)
    return render(request, "cases/detail.html", _detail_context(request, case))


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def case_timeline(request: SignedInRequest, reference: str) -> HttpResponse:
    """Everything that happened on the case, on demand: its own page, or the list alone for htmx."""
    case = get_case_for(request.user, reference)
    record(request.user, Action.READ, case, fields=["timeline"], request=request)
    template = "cases/_timeline.html" if getattr(request, "htmx", False) else "cases/timeline.html"
    withheld = sections.support_withheld(request.user, case)
    entries = [e for e in timeline.build(case) if not (withheld and e.kind in SUPPORT_ENTRIES)]
    return render(request, template, {"case": case, "timeline": entries, "support_withheld": withheld})


def _refused(request: HttpRequest, case: Case, exc: Exception) -> HttpResponse:
    """The case page again, with the verb's refusal and its status (403 or 409)."""
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc) or _("You may not do this.")]))
    record(request.user, Action.READ, case, fields=DETAIL_FIELDS, request=request)
    return render(request, "cases/detail.html", _detail_context(request, case), status=status_of(exc))


def _form_page(request: HttpRequest, case: Case, name: str, form: Any, status: int = 200) -> HttpResponse:
    """One action's form: the form alone for htmx (into its section), else a page of its own."""
    spec = ACTIONS[name]
    context = {"case": case, "action": name, "spec": spec, "form": form}
    template = "cases/_action_form.html" if getattr(request, "htmx", False) else "cases/action.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def case_action(request: SignedInRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = get_case_for(request.user, reference)
    if request.method == "GET" and not spec.on_demand:
        return HttpResponseNotAllowed(["POST"])
    try:
        _check(spec, request, case)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, case, exc)
    if request.method == "GET":
        return _form_page(request, case, action, spec.form(case=case, user=request.user, auto_id=f"{action}_%s"))
    form = spec.form(request.POST, case=case, user=request.user, auto_id=f"{action}_%s")
    if not form.is_valid():
        return _form_page(request, case, action, form, status=400)
    try:
        spec.verb(case, request.user, form.cleaned_data)
    except PermissionDenied as exc:
        return _refused(request, case, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _form_page(request, case, action, form, status=status_of(exc))
    messages.success(request, str(spec.done))
    return _after(request, case, spec)


def _after(request: HttpRequest, case: Case, spec: CaseAction) -> HttpResponse:
    """Back to the case's section, or to the list when the user no longer sees it (e.g. after referral)."""
    if visible_cases(request.user).filter(pk=case.pk).exists():
        url = reverse("cases:detail", kwargs={"reference": case.reference})
        return redirect(f"{url}#{spec.section}" if spec.section else url)
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
