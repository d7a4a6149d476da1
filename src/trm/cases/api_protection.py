"""JSON API for a child on the move, a missing person, and migration (part of /api/cases/).

The same verbs as the case page (protection.py, missing.py, migrants.py), so the same rules and
refusals: 404 for a case out of reach, 403 for a step the caller may not take, 409 for a state
that forbids it, 400 for bad input; nothing is stored on a refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from trm.accounts.access import signed_in
from trm.accounts.models import User
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import migrants, missing, protection
from trm.cases.access import get_case_for
from trm.cases.models import (
    AccompanyingAdult,
    CarePlacement,
    Case,
    MigrationStatusChange,
    MissingEpisode,
    RouteEncounter,
)
from trm.lib.text import DbId

router = Router(tags=["cases"])

PROTECTION_FIELDS = [
    "child_status",
    "accompanying_adults",
    "placements",
    "missing_episodes",
    "migration_status",
    "migration_changes",
    "route_encounters",
]


def _user(request: HttpRequest) -> User:
    """The signed-in user who sees case content; every route here is one case's, so any other role gets 404."""
    user = request.user
    if signed_in(user) and not user.can(Cap.SEE_CASE_DATA):
        raise Http404
    if not signed_in(user):
        raise PermissionDenied("Your role sees no case content.")
    return user


# ------------------------------------------------------------------------------------------
# Schemas


class ChildStatusIn(Schema):
    status: str


class AdultIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    relationship: str
    checks: list[str] = Field(default=[], max_length=10)
    verified: bool = False
    checked_on: dt.date | None = None
    note: str = Field(default="", max_length=5000)


class AdultOut(Schema):
    id: int
    name: str
    relationship: str
    checks: list[str]
    verified: bool
    flagged: bool
    checked_on: dt.date | None


class PlacementIn(Schema):
    type: str
    place: str = Field(min_length=1, max_length=200)
    starts_on: dt.date


class PlacementEndIn(Schema):
    ends_on: dt.date


class PlacementOut(Schema):
    id: int
    type: str
    place: str
    starts_on: dt.date
    ends_on: dt.date | None
    current: bool


class MissingIn(Schema):
    last_seen_at: dt.datetime
    last_seen_place: str = Field(min_length=1, max_length=200)
    circumstances: str = Field(default="", max_length=5000)
    police_report_ref: str = Field(default="", max_length=60)


class PoliceReportIn(Schema):
    reference: str = Field(min_length=1, max_length=60)
    notified_at: dt.datetime | None = None


class StepIn(Schema):
    step: str


class FoundIn(Schema):
    found_at: dt.datetime
    found_place: str = Field(min_length=1, max_length=200)
    condition: str
    note: str = Field(default="", max_length=5000)


class UrgentTaskOut(Schema):
    kind: str
    due_at: dt.datetime | None
    done: bool


class EpisodeOut(Schema):
    id: int
    open: bool
    last_seen_at: dt.datetime
    last_seen_place: str
    circumstances: str
    police_report_ref: str
    police_notified_at: dt.datetime | None
    found_at: dt.datetime | None
    found_place: str
    found_condition: str
    tasks: list[UrgentTaskOut]


class MigrationIn(Schema):
    status: str
    since: dt.date | None = None
    reason: str = Field(default="", max_length=5000)


class MigrationChangeOut(Schema):
    status: str
    previous: str
    since: dt.date


class EncounterIn(Schema):
    country: str
    place_type: str
    met_on: dt.date
    place: str = Field(default="", max_length=200)


class EncounterOut(Schema):
    id: int
    country: str
    place_type: str
    place: str
    met_on: dt.date


class ProtectionOut(Schema):
    """A child's travelling status and care, missing episodes, migration status and route."""

    reference: str
    is_child: bool
    child_status: str
    accompanying_adults: list[AdultOut]
    unverified_adults: int
    placements: list[PlacementOut]
    missing_episodes: list[EpisodeOut]
    migration_status: str
    asylum_seeker: bool
    migration_changes: list[MigrationChangeOut]
    route_encounters: list[EncounterOut]


# ------------------------------------------------------------------------------------------
# Conversions


def _adult(a: AccompanyingAdult) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "relationship": a.relationship,
        "checks": a.checks,
        "verified": a.verified,
        "flagged": a.flagged,
        "checked_on": a.checked_on,
    }


def _placement(p: CarePlacement) -> dict[str, Any]:
    return {
        "id": p.pk,
        "type": p.type,
        "place": p.place,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "current": p.ends_on is None,
    }


def _episode(e: MissingEpisode) -> dict[str, Any]:
    # The episode's deadlines are opened in the transaction that records it.
    window = (e.created_at, e.created_at + dt.timedelta(minutes=1))
    rows = e.case.deadlines.filter(kind__in=missing.STEP_DEADLINE.values(), created_at__range=window)
    return {
        "id": e.pk,
        "open": e.is_open,
        "last_seen_at": e.last_seen_at,
        "last_seen_place": e.last_seen_place,
        "circumstances": e.circumstances,
        "police_report_ref": e.police_report_ref,
        "police_notified_at": e.police_notified_at,
        "found_at": e.found_at,
        "found_place": e.found_place,
        "found_condition": e.found_condition,
        "tasks": [{"kind": d.kind, "due_at": d.due_at, "done": d.done_at is not None} for d in rows],
    }


def _change(c: MigrationStatusChange) -> dict[str, Any]:
    return {"status": c.status, "previous": c.previous, "since": c.since}


def _encounter(m: RouteEncounter) -> dict[str, Any]:
    return {"id": m.pk, "country": m.country, "place_type": m.place_type, "place": m.place, "met_on": m.met_on}


def _protection(case: Case) -> dict[str, Any]:
    adults = list(case.accompanying_adults.all())
    return {
        "reference": case.reference,
        "is_child": case.is_child,
        "child_status": case.child_status,
        "accompanying_adults": [_adult(a) for a in adults],
        "unverified_adults": sum(1 for a in adults if a.flagged),
        "placements": [_placement(p) for p in case.placements.all()],
        "missing_episodes": [_episode(e) for e in case.missing_episodes.select_related("case")],
        "migration_status": case.migration_status,
        "asylum_seeker": case.asylum_seeker,
        "migration_changes": [_change(c) for c in case.migration_changes.all()],
        "route_encounters": [_encounter(m) for m in case.route_encounters.all()],
    }


def _episode_of(case: Case, episode_id: int) -> MissingEpisode:
    episode = case.missing_episodes.select_related("case").filter(pk=episode_id).first()
    if episode is None:
        raise Http404
    return episode


# ------------------------------------------------------------------------------------------
# Endpoints


@router.get("/{reference}/protection", response=ProtectionOut)
def get_protection(request: HttpRequest, reference: str) -> dict[str, Any]:
    user = _user(request)
    case = get_case_for(user, reference)
    record(user, Action.READ, case, fields=PROTECTION_FIELDS)
    return _protection(case)


@router.post("/{reference}/child-status", response=ProtectionOut)
def set_child_status(request: HttpRequest, reference: str, payload: ChildStatusIn) -> dict[str, Any]:
    user = _user(request)
    case = protection.set_child_status(get_case_for(user, reference), status=payload.status, by=user)
    return _protection(case)


@router.post("/{reference}/accompanying-adults", response={201: AdultOut})
def add_accompanying_adult(request: HttpRequest, reference: str, payload: AdultIn) -> Status[dict[str, Any]]:
    user = _user(request)
    item = protection.record_accompanying_adult(get_case_for(user, reference), by=user, **payload.dict())
    return Status(201, _adult(item))


@router.post("/{reference}/placements", response={201: PlacementOut})
def add_placement(request: HttpRequest, reference: str, payload: PlacementIn) -> Status[dict[str, Any]]:
    user = _user(request)
    item = protection.place_child(get_case_for(user, reference), by=user, **payload.dict())
    return Status(201, _placement(item))


@router.post("/{reference}/placements/{placement_id}/end", response=PlacementOut)
def end_placement(request: HttpRequest, reference: str, placement_id: DbId, payload: PlacementEndIn) -> dict[str, Any]:
    user = _user(request)
    case = get_case_for(user, reference)
    item = case.placements.filter(pk=placement_id).first()
    if item is None:
        raise Http404
    return _placement(protection.end_placement(item, by=user, ends_on=payload.ends_on))


@router.post("/{reference}/missing", response={201: EpisodeOut})
def record_missing(request: HttpRequest, reference: str, payload: MissingIn) -> Status[dict[str, Any]]:
    user = _user(request)
    episode = missing.record_missing(get_case_for(user, reference), by=user, **payload.dict())
    return Status(201, _episode(episode))


@router.post("/{reference}/missing/{episode_id}/police-report", response=EpisodeOut)
def police_report(request: HttpRequest, reference: str, episode_id: DbId, payload: PoliceReportIn) -> dict[str, Any]:
    user = _user(request)
    episode = _episode_of(get_case_for(user, reference), episode_id)
    return _episode(missing.record_police_report(episode, by=user, **payload.dict()))


@router.post("/{reference}/missing/{episode_id}/steps", response=EpisodeOut)
def missing_step(request: HttpRequest, reference: str, episode_id: DbId, payload: StepIn) -> dict[str, Any]:
    user = _user(request)
    episode = _episode_of(get_case_for(user, reference), episode_id)
    return _episode(missing.complete_step(episode, by=user, step=payload.step))


@router.post("/{reference}/missing/{episode_id}/found", response=EpisodeOut)
def found(request: HttpRequest, reference: str, episode_id: DbId, payload: FoundIn) -> dict[str, Any]:
    user = _user(request)
    episode = _episode_of(get_case_for(user, reference), episode_id)
    return _episode(missing.record_found(episode, by=user, **payload.dict()))


@router.post("/{reference}/migration-status", response=ProtectionOut)
def set_migration_status(request: HttpRequest, reference: str, payload: MigrationIn) -> dict[str, Any]:
    user = _user(request)
    case = get_case_for(user, reference)
    migrants.set_migration_status(case, by=user, **payload.dict())
    case.refresh_from_db()
    return _protection(case)


@router.post("/{reference}/route-encounters", response={201: EncounterOut})
def add_route_encounter(request: HttpRequest, reference: str, payload: EncounterIn) -> Status[dict[str, Any]]:
    user = _user(request)
    item = migrants.record_route_encounter(get_case_for(user, reference), by=user, **payload.dict())
    return Status(201, _encounter(item))
