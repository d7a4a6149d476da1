"""JSON API of criminal proceedings (mounted at /api/justice/). Same access rules and verbs as the pages.

A proceeding's content (``/proceedings/{reference}``) is the criminal track's: anyone else gets
a 404, audited by trm.api like every refusal. Whoever sees a case reads its proceedings'
summary (``/cases/{case_ref}/proceedings``): stage and next hearing. Bad input is a 400 and
nothing is stored; a verb's refusal, bad input included, is audited once
(``justice.refusals.refusals_audited``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from trm.accounts.access import signed_in
from trm.accounts.models import User
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.justice import access, notices, perpetrators, proceedings
from trm.justice.models import Hearing, Perpetrator, Proceeding
from trm.justice.refusals import invalid, refusals_audited

router = Router(tags=["justice"])


def _user(request: HttpRequest, *, hidden: bool = False) -> User:
    """The caller, who must see case content; for one object (``hidden``) others get a 404, as for any
    object out of reach, so that a role without case content cannot tell which references exist."""
    user = request.user
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        if hidden:
            raise Http404
        raise PermissionDenied("Your role sees no case content.")
    return user


def _proceeding(request: HttpRequest, reference: str) -> Proceeding:
    return access.get_proceeding_for(_user(request, hidden=True), reference)


class SummaryOut(Schema):
    stage: str
    opened_on: dt.date
    next_hearing: dt.date | None
    reference: str | None  # only for the criminal track


class HearingOut(Schema):
    id: int
    held_on: dt.date
    kind: str
    place: str
    cancelled: bool


class PerpetratorOut(Schema):
    id: int
    role: str
    name: str
    nationality: str
    status: str


class ProceedingOut(Schema):
    reference: str
    case: str
    organisation: str
    stage: str
    person_role: str
    opened_on: dt.date
    court: str
    file_reference: str
    court_reference: str
    evidence: str
    assessed_on: dt.date | None
    protection_needs: str
    measures: list[str]
    representative: str
    legal_aid: str
    non_punishment: str
    non_punishment_offence: str
    testimony_expected: bool
    charged_on: dt.date | None
    judgment_on: dt.date | None
    outcome: str
    last_step: str
    stage_changed_on: dt.date | None
    hearings: list[HearingOut]
    perpetrators: list[PerpetratorOut]


class OpenIn(Schema):
    person_role: str
    opened_on: dt.date | None = None
    organisation: int | None = None


class ContentIn(Schema):
    person_role: str | None = None
    court: str | None = Field(None, max_length=200)
    file_reference: str | None = Field(None, max_length=80)
    court_reference: str | None = Field(None, max_length=80)
    evidence: str | None = Field(None, max_length=8000)
    assessed_on: dt.date | None = None
    protection_needs: str | None = Field(None, max_length=4000)
    measures: list[str] | None = None
    representative: str | None = Field(None, max_length=200)
    legal_aid: str | None = None
    non_punishment: str | None = None
    non_punishment_offence: str | None = Field(None, max_length=2000)
    testimony_expected: bool | None = None


class StepIn(Schema):
    event: str
    on: dt.date | None = None
    outcome: str = ""


class HearingIn(Schema):
    held_on: dt.date
    kind: str = "hearing"
    place: str = Field("", max_length=200)


class PerpetratorIn(Schema):
    role: str
    name: str = Field(..., min_length=1, max_length=200)
    nationality: str = ""
    status: str = "suspected"


class PerpetratorStatusIn(Schema):
    status: str


class NotifyIn(Schema):
    channel: str
    country: str = ""


class NoticeOut(Schema):
    outcome: str
    channel: str
    country: str
    told_on: dt.date


def _out(p: Proceeding) -> dict[str, Any]:
    return {
        "reference": p.reference,
        "case": p.case.reference,
        "organisation": str(p.organisation),
        **{
            name: getattr(p, name)
            for name in (
                "stage",
                "person_role",
                "opened_on",
                "court",
                "file_reference",
                "court_reference",
                "evidence",
                "assessed_on",
                "protection_needs",
                "measures",
                "representative",
                "legal_aid",
                "non_punishment",
                "non_punishment_offence",
                "testimony_expected",
                "charged_on",
                "judgment_on",
                "outcome",
                "last_step",
                "stage_changed_on",
            )
        },
        "hearings": [_hearing_out(h) for h in p.hearings.all()],
        "perpetrators": [_perpetrator_out(x) for x in p.perpetrators.all()],
    }


def _hearing_out(h: Hearing) -> dict[str, Any]:
    return {"id": h.pk, "held_on": h.held_on, "kind": h.kind, "place": h.place, "cancelled": h.cancelled}


def _perpetrator_out(x: Perpetrator) -> dict[str, Any]:
    return {"id": x.pk, "role": x.role, "name": x.name, "nationality": x.nationality, "status": x.status}


def _read(request: HttpRequest, p: Proceeding) -> dict[str, Any]:
    record(request.user, Action.READ, p, fields=list(ProceedingOut.model_fields), request=request)
    return _out(p)


@router.get("/proceedings", response=list[ProceedingOut])
def list_proceedings(request: HttpRequest) -> list[dict[str, Any]]:
    """The proceedings whose content the caller reads (the criminal track); a 403 for other roles."""
    user = _user(request)
    if not access.on_criminal_track(user):
        raise PermissionDenied("Only the criminal track reads proceedings.")
    rows = list(access.criminal_proceedings(user).select_related("case", "organisation")[:200])
    record(user, Action.READ, object_type="justice.proceeding", object_ref="list", note=f"{len(rows)} rows")
    return [_out(p) for p in rows]


@router.get("/cases/{case_ref}/proceedings", response=list[SummaryOut])
def case_proceedings(request: HttpRequest, case_ref: str) -> list[dict[str, Any]]:
    """That proceedings exist on the case, their stage and next hearing (whoever sees the case)."""
    user = _user(request, hidden=True)
    case = access.get_case_for_proceedings(user, case_ref)
    found = list(access.known_proceedings(user).filter(case=case))
    content = set(access.criminal_proceedings(user).filter(case=case).values_list("pk", flat=True))
    today = timezone.localdate()
    record(user, Action.READ, case, fields=["proceedings.stage", "proceedings.next_hearing"], request=request)
    out = []
    for p in found:
        hearing = p.next_hearing(today)
        out.append(
            {
                "stage": p.stage,
                "opened_on": p.opened_on,
                "next_hearing": hearing.held_on if hearing else None,
                "reference": p.reference if p.pk in content else None,
            }
        )
    return out


@router.post("/cases/{case_ref}/proceedings", response={201: SummaryOut})
def open_proceeding(request: HttpRequest, case_ref: str, payload: OpenIn) -> Status[dict[str, Any]]:
    user = _user(request, hidden=True)
    case = access.get_case_for_proceedings(user, case_ref)
    organisation = None
    with refusals_audited(user, what="open proceeding", obj=case, request=request):
        if payload.organisation is not None:
            organisation = access.offices().filter(pk=payload.organisation).first()
            if organisation is None:
                raise invalid("organisation", "This organisation holds no criminal proceedings.", "organisation")
        p = proceedings.open_proceeding(
            case, by=user, person_role=payload.person_role, opened_on=payload.opened_on, organisation=organisation
        )
    reads = access.reads_content(user, p)
    return Status(
        201,
        {"stage": p.stage, "opened_on": p.opened_on, "next_hearing": None, "reference": p.reference if reads else None},
    )


@router.get("/proceedings/{reference}", response=ProceedingOut)
def get_proceeding(request: HttpRequest, reference: str) -> dict[str, Any]:
    return _read(request, _proceeding(request, reference))


@router.patch("/proceedings/{reference}", response=ProceedingOut)
def change_proceeding(request: HttpRequest, reference: str, payload: ContentIn) -> dict[str, Any]:
    p = _proceeding(request, reference)
    changes = payload.dict(exclude_unset=True)
    with refusals_audited(request.user, what="proceeding content", obj=p, request=request):
        p = proceedings.record_content(p, by=request.user, **{k: v for k, v in changes.items() if v is not None})
    return _read(request, p)


@router.post("/proceedings/{reference}/steps", response=ProceedingOut)
def advance(request: HttpRequest, reference: str, payload: StepIn) -> dict[str, Any]:
    p = _proceeding(request, reference)
    with refusals_audited(request.user, what="proceeding step", obj=p, request=request):
        p = proceedings.advance(p, by=request.user, event=payload.event, on=payload.on, outcome=payload.outcome)
    return _read(request, p)


@router.post("/proceedings/{reference}/hearings", response={201: HearingOut})
def add_hearing(request: HttpRequest, reference: str, payload: HearingIn) -> Status[dict[str, Any]]:
    p = _proceeding(request, reference)
    with refusals_audited(request.user, what="proceeding hearing", obj=p, request=request):
        h = proceedings.add_hearing(p, by=request.user, held_on=payload.held_on, kind=payload.kind, place=payload.place)
    return Status(201, _hearing_out(h))


@router.post("/proceedings/{reference}/hearings/{hearing_id}/cancel", response=HearingOut)
def cancel_hearing(request: HttpRequest, reference: str, hearing_id: int) -> dict[str, Any]:
    """Cancel a hearing; a 409 for one already cancelled."""
    p = _proceeding(request, reference)
    with refusals_audited(request.user, what="proceeding cancel_hearing", obj=p, request=request):
        h = proceedings.cancel_hearing(access.get_hearing_of(p, hearing_id), by=request.user)
    return _hearing_out(h)


@router.post("/proceedings/{reference}/perpetrators", response={201: PerpetratorOut})
def add_perpetrator(request: HttpRequest, reference: str, payload: PerpetratorIn) -> Status[dict[str, Any]]:
    p = _proceeding(request, reference)
    with refusals_audited(request.user, what="proceeding perpetrator", obj=p, request=request):
        x = perpetrators.add(
            p,
            by=request.user,
            role=payload.role,
            name=payload.name,
            nationality=payload.nationality,
            status=payload.status,
        )
    return Status(201, _perpetrator_out(x))


@router.post("/proceedings/{reference}/perpetrators/{perpetrator_id}/status", response=PerpetratorOut)
def set_perpetrator_status(
    request: HttpRequest, reference: str, perpetrator_id: int, payload: PerpetratorStatusIn
) -> dict[str, Any]:
    """Change a perpetrator's status (suspected, charged, convicted, acquitted, not pursued)."""
    p = _proceeding(request, reference)
    with refusals_audited(request.user, what="proceeding perpetrator_status", obj=p, request=request):
        x = perpetrators.set_status(
            access.get_perpetrator_of(p, perpetrator_id), by=request.user, status=payload.status
        )
    return _perpetrator_out(x)


@router.post("/proceedings/{reference}/notices", response={201: NoticeOut})
def notify(request: HttpRequest, reference: str, payload: NotifyIn) -> Status[dict[str, Any]]:
    p = _proceeding(request, reference)
    with refusals_audited(request.user, what="proceeding notify", obj=p, request=request):
        n = notices.notify(p, by=request.user, channel=payload.channel, country=payload.country)
    return Status(201, {"outcome": n.outcome, "channel": n.channel, "country": n.country, "told_on": n.told_on})
