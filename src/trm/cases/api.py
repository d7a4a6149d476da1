"""JSON API of the cases app (mounted at /api/cases/). Same access rules and verbs as the pages.

Endpoints map JSON to one verb and its result to JSON; the verbs refuse (trm.lib.refusals):
a case the caller may not see is a 404, a step the caller may not take a 403, a step the case's
state forbids a 409, bad input a 400 with the message of each field; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from trm.accounts.access import signed_in
from trm.accounts.models import Organisation, User
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import casework, consent, deadlines, identification, screening, screening_text, tasks
from trm.cases.access import get_case_for
from trm.cases.models import Case, Consent, Deadline, Decision
from trm.cases.views import DETAIL_FIELDS, filtered_cases, search_target
from trm.lib.paging import BoundedPaginator
from trm.lib.text import DbId

router = Router(tags=["cases"])
PAGE_SIZE = 50


def _user(request: HttpRequest, *, case: bool = False) -> User:
    """The signed-in user who sees case content; ``case``: for one case's URL, a 404 otherwise."""
    user = request.user
    if case and signed_in(user) and not user.can(Cap.SEE_CASE_DATA):
        raise Http404
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        raise PermissionDenied("Your role sees no case content.")
    return user


# ------------------------------------------------------------------------------------------
# Schemas


class CaseFilters(Schema):
    ref: str = ""
    nk: str = ""
    status: str = ""
    state: str = ""
    deadline: str = ""
    exploitation: str = ""
    child: str = ""
    nationality: str = ""
    page: int = 1


class CaseRow(Schema):
    reference: str
    status: str
    state: str
    is_child: bool
    nationality: str
    detected_on: dt.date
    next_deadline: dt.date | None
    exploitation_types: list[str]


class CasePage(Schema):
    """One page of the list. The count is bounded, never a count of the whole scope: with
    ``count_capped`` false, ``count`` and ``pages`` are exact; with it true, the list holds more
    than ``count`` (1,000) cases, ``pages`` is the deepest page that may be asked for (10,000 rows)
    and ``has_next`` says whether another page follows."""

    count: int
    count_capped: bool
    page: int
    pages: int
    has_next: bool
    results: list[CaseRow]


class DetectionIn(Schema):
    detected_on: dt.date
    detection_country: str
    given_name: str = ""
    family_name: str = ""
    aliases: list[str] = []
    date_of_birth: dt.date | None = None
    age_uncertain: bool = False
    presumed_minor: bool = False
    gender: str = "NonSpecifiedUnknown"
    citizenships: list[str] = []
    languages: list[str] = []
    documents: list[dict[str, str]] = []
    contacts: list[dict[str, str]] = []
    detection_place: str = ""
    narrative: str = ""
    asylum_seeker: bool = False
    # Kept consistent with asylum_seeker: "applicant" or "beneficiary" sets it (docs/children.md).
    migration_status: str = ""


class PersonOut(Schema):
    reference: str
    given_name: str
    family_name: str
    aliases: list[str]
    date_of_birth: dt.date | None
    age_uncertain: bool
    gender: str
    citizenships: list[str]
    languages: list[str]


class DeadlineOut(Schema):
    kind: str
    case: str
    starts_on: dt.date
    due_on: dt.date
    urgency: str


class CaseOut(CaseRow):
    owner_org: str
    routed_to: str | None
    htcds_status: str
    closure_reason: str
    person: PersonOut
    deadlines: list[DeadlineOut]
    allowed_steps: list[str]
    counterparts: list[CounterpartOut]
    foreign_decisions: list[ForeignDecisionOut]
    # Migration and a child's travelling status (details: GET /{reference}/protection).
    migration_status: str
    asylum_seeker: bool
    child_status: str


class ScreeningIn(Schema):
    indicator_set: str
    hits: list[str]
    interpreter_used: bool = False
    answers: dict[str, Any] = {}


class ScreeningOut(Schema):
    indicator_set: str
    outcome: str
    hits: list[str]
    positive_dimensions: list[str]
    reasons: list[str]
    reason_codes: list[str]
    advice: str


class ReferralIn(Schema):
    to: int


class DecisionIn(Schema):
    event: str
    decided_on: dt.date | None = None
    reasons: str = ""
    decision_body: str = ""


class DecisionOut(Schema):
    event: str
    from_state: str
    to_state: str
    legal_test: str
    decided_on: dt.date


class ConsentIn(Schema):
    purpose: str
    language: str
    recipients: list[DbId] = []
    interpreter: bool = False
    given_by: str = "person"
    # A consent to a transnational referral: what the receiving country may do, where, until when.
    purposes: list[str] = Field(default=[], max_length=4)
    recipient_countries: list[str] = Field(default=[], max_length=60)
    recipient_kinds: list[str] = Field(default=[], max_length=20)
    expires_on: dt.date | None = None


class ConsentOut(Schema):
    """A consent; ``origin_country`` set: carried from another country (``origin_node``, ``origin_ref``)."""

    id: int
    purpose: str
    given_by: str
    recipients: list[int]
    given_at: dt.datetime
    language: str
    interpreter: bool
    purposes: list[str]
    recipient_countries: list[str]
    recipient_kinds: list[str]
    expires_on: dt.date | None
    withdrawn_at: dt.datetime | None
    origin_country: str
    origin_node: str
    origin_ref: str


class CounterpartOut(Schema):
    country: str
    organisation: str
    node: str
    case_ref: str
    opened_case: bool
    since: dt.datetime


class ForeignDecisionOut(Schema):
    """Another country's identification decision, as it reported it (never this node's)."""

    country: str
    status: str
    decided_on: dt.date | None
    authority: str
    reported_by_node: str


class EventIn(Schema):
    type: str
    country: str
    place: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    sector_isic: str = ""
    exploitation_type: str = ""
    methods_of_control: list[str] = []
    recruitment_method: str = ""
    relationship_to_trafficker: str = ""


class EventOut(Schema):
    id: int
    type: str
    country: str
    exploitation_type: str


class IndicatorSetOut(Schema):
    id: str
    title: str
    profile: str
    verified: bool


# ------------------------------------------------------------------------------------------
# Conversions


def _row(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "status": case.status,
        "state": case.state,
        "is_child": case.is_child,
        "nationality": case.nationality,
        "detected_on": case.detected_on,
        "next_deadline": case.next_deadline,
        "exploitation_types": case.exploitation_list(),
    }


def _deadline(d: Deadline) -> dict[str, Any]:
    today = tasks.today()
    return {
        "kind": d.kind,
        "case": d.case.reference,
        "starts_on": d.starts_on,
        "due_on": d.due_on,
        "urgency": deadlines.urgency(d.due_on, today=today, rules=tasks.rules()),
    }


def _detail(case: Case, user: User) -> dict[str, Any]:
    p = case.person
    return {
        **_row(case),
        "owner_org": str(case.owner_org),
        "routed_to": str(case.routed_to_org) if case.routed_to_org else None,
        "htcds_status": identification.HTCDS_STATUS[case.state],
        "closure_reason": case.closure_reason,
        "person": {
            "reference": p.reference,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "aliases": p.aliases or [],
            "date_of_birth": p.date_of_birth,
            "age_uncertain": p.age_uncertain,
            "gender": p.gender,
            "citizenships": p.citizenships,
            "languages": p.languages,
        },
        "deadlines": [_deadline(d) for d in tasks.open_deadlines_for(user, case).select_related("case")],
        "allowed_steps": identification.allowed_events_for(user, case),
        "migration_status": case.migration_status,
        "asylum_seeker": case.asylum_seeker,
        "child_status": case.child_status,
        "counterparts": [
            {
                "country": c.country,
                "organisation": c.organisation,
                "node": c.node,
                "case_ref": c.case_ref,
                "opened_case": c.opened_case,
                "since": c.since,
            }
            for c in case.counterparts.all()
        ],
        "foreign_decisions": [
            {
                "country": d.country,
                "status": d.status,
                "decided_on": d.decided_on,
                "authority": d.authority,
                "reported_by_node": d.reported_by.node,
            }
            for d in case.foreign_decisions.select_related("reported_by")
        ],
    }


def _consent(item: Consent) -> dict[str, Any]:
    return {
        "id": item.pk,
        "purpose": item.purpose,
        "given_by": item.given_by,
        "recipients": [r.pk for r in item.recipients.all()],
        "given_at": item.given_at,
        "language": item.language,
        "interpreter": item.interpreter,
        "purposes": item.purposes,
        "recipient_countries": item.recipient_countries,
        "recipient_kinds": item.recipient_kinds,
        "expires_on": item.expires_on,
        "withdrawn_at": item.withdrawn_at,
        "origin_country": item.origin_country,
        "origin_node": item.origin_node,
        "origin_ref": item.origin_ref,
    }


# ------------------------------------------------------------------------------------------
# Endpoints


@router.get("/", response=CasePage)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    user = _user(request)
    data = filters.dict()
    from trm.cases.forms import CaseFilterForm

    form = CaseFilterForm({k: v for k, v in data.items() if k != "page"})
    if not form.is_valid():
        raise ValidationError(form.errors)
    paginator = BoundedPaginator(filtered_cases(user, form.cleaned_data), PAGE_SIZE)
    page = paginator.get_page(max(1, filters.page))
    record(user, Action.READ, object_type="cases.case", object_ref="list", fields=list(CaseRow.model_fields))
    return {
        "count": min(paginator.count, paginator.bound),
        "count_capped": paginator.capped,
        "page": page.number,
        "pages": paginator.num_pages,
        "has_next": page.has_next(),
        "results": [_row(c) for c in page.object_list],
    }


@router.post("/", response={201: CaseOut})
def create_case(request: HttpRequest, payload: DetectionIn) -> Status[dict[str, Any]]:
    user = _user(request)
    case = casework.record_detection(by=user, **payload.dict())
    return Status(201, _detail(case, user))


class SearchIn(Schema):
    q: str


class SearchOut(Schema):
    ref: str = ""
    nk: str = ""


@router.post("/search", response=SearchOut)
def search(request: HttpRequest, payload: SearchIn) -> Any:
    """Turn a reference or an exact name into list filters; a name never travels in a URL."""
    _user(request)
    if not payload.q.strip():
        raise ValidationError({"q": "Give a case reference or a full name."})
    return search_target(payload.q)


@router.get("/tasks", response=list[DeadlineOut])
def my_tasks(request: HttpRequest) -> list[dict[str, Any]]:
    return [_deadline(d) for d in tasks.tasks_for(_user(request), limit=100)]


@router.get("/indicator-sets", response=list[IndicatorSetOut])
def indicator_sets(request: HttpRequest) -> list[dict[str, Any]]:
    _user(request)
    return [
        {"id": s.id, "title": s.title, "profile": s.profile, "verified": s.verification.verified}
        for s in screening.indicator_sets()
    ]


@router.get("/{reference}", response=CaseOut)
def get_case(request: HttpRequest, reference: str) -> dict[str, Any]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    record(user, Action.READ, case, fields=DETAIL_FIELDS)
    return _detail(case, user)


@router.post("/{reference}/screenings", response={201: ScreeningOut})
def screen_case(request: HttpRequest, reference: str, payload: ScreeningIn) -> Status[dict[str, Any]]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    item = screening.record_screening(
        case,
        set_key=payload.indicator_set,
        hits=payload.hits,
        by=user,
        interpreter_used=payload.interpreter_used,
        answers=payload.answers,
    )
    summary = item.dimensions
    stored = [r for r in summary.get("reasons") or [] if isinstance(r, dict)]
    return Status(
        201,
        {
            "indicator_set": item.indicator_set,
            "outcome": item.outcome,
            "hits": item.hits,
            "positive_dimensions": summary.get("positive_dimensions", []),
            # In the language the request asks for (Accept-Language); the codes, one a reason in
            # the same order, are the same in every language.
            "reasons": [screening_text.reason(r) for r in stored],
            "reason_codes": [str(r.get("code", "")) for r in stored],
            "advice": screening_text.advice(summary),
        },
    )


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "event": d.event,
        "from_state": d.from_state,
        "to_state": d.to_state,
        "legal_test": d.legal_test,
        "decided_on": d.decided_on,
    }


@router.post("/{reference}/referral", response={201: DecisionOut})
def refer_case(request: HttpRequest, reference: str, payload: ReferralIn) -> Status[dict[str, Any]]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    # The verb refuses anything but a competent authority (a 400 on "to"), an unknown id included.
    to = Organisation.objects.filter(pk=payload.to).first()
    decision = identification.refer(case, to=to, by=user)
    return Status(201, _decision(decision))


@router.post("/{reference}/decisions", response={201: DecisionOut})
def decide_case(request: HttpRequest, reference: str, payload: DecisionIn) -> Status[dict[str, Any]]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    if payload.event in (identification.SCREEN, identification.REFER):
        raise ValidationError({"event": "Use the screening or referral endpoint for this step."})
    decision = identification.decide(
        case,
        event=payload.event,
        by=user,
        decided_on=payload.decided_on,
        reasons=payload.reasons,
        decision_body=payload.decision_body,
    )
    return Status(201, _decision(decision))


@router.post("/{reference}/consents", response={201: ConsentOut})
def give_consent(request: HttpRequest, reference: str, payload: ConsentIn) -> Status[dict[str, Any]]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    recipients = list(Organisation.objects.active().filter(pk__in=payload.recipients))
    if len(recipients) != len(set(payload.recipients)):
        raise ValidationError({"recipients": "Unknown organisation."})
    item = consent.give(
        case,
        purpose=payload.purpose,
        language=payload.language,
        by=user,
        recipients=recipients,
        interpreter=payload.interpreter,
        given_by=payload.given_by,
        purposes=payload.purposes,
        recipient_countries=payload.recipient_countries,
        recipient_kinds=payload.recipient_kinds,
        expires_on=payload.expires_on,
    )
    return Status(201, _consent(item))


@router.get("/{reference}/consents", response=list[ConsentOut])
def case_consents(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    """The case's consents, given here or carried from another country, with their scope."""
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    record(user, Action.READ, case, fields=["consents"])
    return [_consent(c) for c in case.consents.prefetch_related("recipients")]


@router.post("/{reference}/events", response={201: EventOut})
def add_event(request: HttpRequest, reference: str, payload: EventIn) -> Status[dict[str, Any]]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    event = casework.add_event(case, by=user, **payload.dict())
    return Status(
        201,
        {
            "id": event.pk,
            "type": event.type,
            "country": event.country,
            "exploitation_type": event.exploitation_type,
        },
    )


@router.get("/{reference}/deadlines", response=list[DeadlineOut])
def case_deadlines(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    user = _user(request, case=True)
    case = get_case_for(user, reference)
    record(user, Action.READ, case, fields=["deadlines"])
    return [_deadline(d) for d in tasks.open_deadlines_for(user, case).select_related("case")]


# A child on the move, a missing person, migration: their own module, the same prefix.
from trm.cases.api_protection import router as protection_router  # noqa: E402

router.add_router("", protection_router)
