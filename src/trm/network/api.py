"""JSON API of the network app (mounted at /api/network/). Same access rules as the pages.

Refusals propagate (Http404, PermissionDenied, ValidationError with field errors): trm.api
answers each as a problem (docs/api.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from trm.accounts.access import SignedInRequest
from trm.network import access, actions, meetings, nodes, reports, updates
from trm.network.models import ActionItem, Meeting, MeetingKind, NetworkCountry, NetworkNode, Participant

router = Router(tags=["network"])


class MeetingIn(Schema):
    title: str
    start_date: date
    end_date: date
    host_country: str
    city: str
    kind: str = MeetingKind.REGULAR
    venue: str = ""
    organisers: str = ""
    framework_project: str = ""
    objectives: str = ""
    registration_deadline: date | None = None


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    start_date: date
    end_date: date
    host_country: str
    city: str
    venue: str
    organisers: str
    framework_project: str


class SessionOut(Schema):
    order: int
    title: str
    day: date | None
    chair: str
    outcome: str


class ActionOut(Schema):
    id: int
    meeting_id: int
    description: str
    owner_country: str | None
    owner_organisation: str | None
    due_date: date | None
    status: str


class ConclusionOut(Schema):
    order: int
    text: str


class MeetingDetail(MeetingOut):
    objectives: str
    sessions: list[SessionOut]
    conclusions: list[ConclusionOut]
    action_items: list[ActionOut]
    follow_up: list[ActionOut]


class CountryUpdateIn(Schema):
    key_activities: str = ""
    good_practices: str = ""
    trends: str = ""
    submit: bool = False


class CountryUpdateOut(Schema):
    meeting_id: int
    country: str
    key_activities: str
    good_practices: str
    trends: str
    status: str


class StatusIn(Schema):
    event: str
    note: str = ""


class ParticipantOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    country: str | None
    organisation: str | None


class NodeOut(Schema):
    node_id: str
    country: str
    organisation: str
    endpoint: str
    status: str
    since: date
    until: date | None


def _meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "kind": m.kind,
        "status": m.status,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "host_country": m.host_country.code,
        "city": m.city,
        "venue": m.venue,
        "organisers": m.organisers,
        "framework_project": m.framework_project,
    }


def _action(i: ActionItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "meeting_id": i.meeting_id,
        "description": i.description,
        "owner_country": i.owner_country.code if i.owner_country else None,
        "owner_organisation": str(i.owner_organisation) if i.owner_organisation else None,
        "due_date": i.due_date,
        "status": i.status,
    }


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


@router.get("/meetings", response=list[MeetingOut])
def list_meetings(request: HttpRequest) -> list[dict[str, Any]]:
    access.require_network_access(request.user)
    return [_meeting(m) for m in access.visible_meetings(request.user).order_by("start_date")]


@router.post("/meetings", response={201: MeetingOut})
def create_meeting(request: SignedInRequest, payload: MeetingIn) -> Status[dict[str, Any]]:
    access.require_secretariat(request.user)
    data = payload.dict()
    host = NetworkCountry.objects.filter(code=data.pop("host_country")).first()
    if host is None:
        raise _field_error("host_country", "Not a country of the network.", "unknown")
    meeting = meetings.plan_meeting(host_country=host, by=request.user, **data)
    return Status(201, _meeting(meeting))


@router.get("/meetings/{meeting_id}", response=MeetingDetail)
def meeting_detail(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    meeting = access.get_meeting_for(request.user, meeting_id)
    items = access.visible_action_items(request.user)
    return {
        **_meeting(meeting),
        "objectives": meeting.objectives,
        "sessions": [
            {"order": s.order, "title": s.title, "day": s.day, "chair": s.chair, "outcome": s.outcome}
            for s in meeting.sessions.all()
        ],
        "conclusions": [{"order": c.order, "text": c.text} for c in meeting.conclusions.all()],
        "action_items": [_action(i) for i in items.filter(meeting=meeting)],
        "follow_up": [_action(i) for i in items.carried_to(meeting)],
    }


@router.put("/meetings/{meeting_id}/updates/{code}", response=CountryUpdateOut)
def put_country_update(
    request: SignedInRequest, meeting_id: int, code: str, payload: CountryUpdateIn
) -> dict[str, Any]:
    meeting, country = access.get_update_for(request.user, meeting_id, code, write=True)
    update = updates.save_update(meeting, country, by=request.user, **payload.dict())
    return {
        "meeting_id": meeting.pk,
        "country": country.code,
        "key_activities": update.key_activities,
        "good_practices": update.good_practices,
        "trends": update.trends,
        "status": update.status,
    }


@router.get("/actions", response=list[ActionOut])
def list_actions(request: HttpRequest, country: str = "", open_only: bool = True) -> list[dict[str, Any]]:
    access.require_network_access(request.user)
    items = access.visible_action_items(request.user)
    if open_only:
        items = items.open()
    if country:
        items = items.for_country(country)
    return [_action(i) for i in items.order_by("due_date", "pk")]


@router.post("/actions/{item_id}/status", response=ActionOut)
def change_action_status(request: SignedInRequest, item_id: int, payload: StatusIn) -> dict[str, Any]:
    item = access.get_action_item_for(request.user, item_id)
    if payload.event not in actions.EVENT_FOR_STATUS.values():
        raise _field_error("event", "Unknown event.", "invalid_choice")
    item = actions.change_status(item, event=payload.event, note=payload.note, by=request.user)
    return _action(item)


@router.get("/participants", response=list[ParticipantOut])
def list_participants(request: HttpRequest) -> list[dict[str, Any]]:
    access.require_secretariat(request.user)
    return [
        {
            "id": p.pk,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "email": p.email,
            "phone": p.phone,
            "country": p.country.code if p.country else None,
            "organisation": str(p.organisation) if p.organisation else None,
        }
        for p in Participant.objects.select_related("country", "organisation")
    ]


@router.get("/nodes", response=list[NodeOut])
def list_nodes(request: HttpRequest) -> list[dict[str, Any]]:
    access.require_secretariat(request.user)
    return [
        {
            "node_id": n.node_id,
            "country": n.country.code,
            "organisation": n.organisation,
            "endpoint": n.endpoint,
            "status": n.status,
            "since": n.since,
            "until": n.until,
        }
        for n in NetworkNode.objects.select_related("country")
    ]


@router.get("/trust-list-entries", response=list[dict[str, Any]])
def trust_list_entries(request: HttpRequest) -> list[dict[str, Any]]:
    """The ``nodes`` array of a trust list (trm.exchange.trustlist format), unsigned."""
    access.require_secretariat(request.user)
    return nodes.trust_list_entries(NetworkNode.objects.all(), today=timezone.localdate())


@router.get("/meetings/{meeting_id}/report.md", response=str)
def meeting_report_markdown(request: HttpRequest, meeting_id: int) -> str:
    meeting = access.get_meeting_for(request.user, meeting_id, write=True)
    return reports.markdown(reports.collect(meeting, today=timezone.localdate()))
