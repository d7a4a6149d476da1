"""JSON API of transnational referrals (mounted at /api/transnational/): the focal point only.

Same access rules and verbs as the pages: a conversation the caller may not see is a 404,
a step the state forbids or bad input is a 400 with a clear message, nothing stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.transnational import access, timeline, workflows
from trm.transnational.forms import FIELDS, FollowUpForm, SendForm

router = Router(tags=["transnational"])


class LinkOut(Schema):
    conversation: uuid.UUID
    direction: str
    status: str
    peer: str
    peer_country: str
    case: str | None
    remote_case_ref: str
    services: list[str]
    urgent: bool
    is_child: bool


class MessageOut(Schema):
    at: str
    direction: str
    type: str
    state: str


class LinkDetail(LinkOut):
    messages: list[MessageOut]


class SendIn(Schema):
    case: str = Field(max_length=40)
    to_node: str = Field(max_length=64)
    services: list[str] = Field(default=[], max_length=10)
    urgency: str = Field(default="routine", pattern="^(routine|priority|urgent)$")
    needs_summary: str = Field(default="", max_length=4000)
    share_identity: bool = False
    offer: bool = True
    purpose: str = Field(default="assistance", pattern="^(assistance|return)$")
    requested_actions: list[str] = Field(default=["service_continuity", "risk_assessment"], min_length=1,
                                         max_length=5)
    handling_codes: list[str] = Field(default=["H2"], max_length=4)
    handling_text: str = Field(default="", max_length=500)


class WithdrawIn(Schema):
    reason: str = Field(pattern="^(person_declined|circumstances_changed|duplicate|other)$")


class MessageIn(Schema):
    """One follow-up message: its type and the fields of the page's form for that type."""

    type: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


class DeclineIn(Schema):
    reason: str = Field(pattern="^(no_capacity|not_eligible|safety|consent_missing|other)$")
    reason_text: str = Field(default="", max_length=4000)


class Error(Schema):
    detail: str


def _out(link: Any) -> dict[str, Any]:
    return {
        "conversation": link.conversation, "direction": link.direction, "status": link.status, "peer": link.peer,
        "peer_country": link.peer_country, "case": link.case.reference if link.case_id else None,
        "remote_case_ref": link.remote_case_ref, "services": link.services, "urgent": link.urgent,
        "is_child": link.is_child,
    }


def _focal(request: HttpRequest) -> Any:
    if not access.may_use(request.user):
        raise HttpError(403, "Only the NRM focal point handles transnational referrals.")
    return request.user


def _run(fn: Any) -> Any:
    try:
        return Status(200, _out(fn()))
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    except PermissionDenied:
        return Status(403, {"detail": "You may not do this."})


@router.get("/", response={200: list[LinkOut], 403: Error})
def list_links(request: HttpRequest) -> Any:
    user = _focal(request)
    return [_out(link) for link in access.visible_links(user).select_related("case")[:200]]


@router.get("/{conversation}", response={200: LinkDetail, 403: Error, 404: Error})
def get_link(request: HttpRequest, conversation: uuid.UUID) -> Any:
    user = _focal(request)
    link = access.get_link_for(user, conversation)
    record(user, Action.READ, link, fields=["messages"], request=request)
    items = [
        {"at": i["at"].isoformat(), "direction": i["direction"], "type": i["type"], "state": str(i["state"])}
        for i in timeline.build(link.conversation)
    ]
    return {**_out(link), "messages": items}


@router.post("/", response={200: LinkOut, 400: Error, 403: Error, 404: Error})
def send(request: HttpRequest, payload: SendIn) -> Any:
    user = _focal(request)
    case = get_case_for(user, payload.case, write=True)
    data = payload.dict()
    data.pop("case")
    form = SendForm({**data, "offer": "referral" if data["offer"] else "notification"}, peers=workflows.peers())
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})
    return _run(lambda: workflows.send_referral(case, by=user, **form.cleaned_data))


def _form_errors(form: Any) -> str:
    return "; ".join(f"{name}: {' '.join(str(m) for m in errs)}" for name, errs in form.errors.items())


@router.post("/{conversation}/accept", response={200: LinkOut, 400: Error, 403: Error, 404: Error})
def accept(request: HttpRequest, conversation: uuid.UUID) -> Any:
    user = _focal(request)
    link = access.get_link_for(user, conversation)
    return _run(lambda: workflows.accept(link, by=user))


@router.post("/{conversation}/decline", response={200: LinkOut, 400: Error, 403: Error, 404: Error})
def decline(request: HttpRequest, conversation: uuid.UUID, payload: DeclineIn) -> Any:
    user = _focal(request)
    link = access.get_link_for(user, conversation)
    return _run(lambda: workflows.decline(link, by=user, reason=payload.reason, reason_text=payload.reason_text))


@router.post("/{conversation}/withdraw", response={200: LinkOut, 400: Error, 403: Error, 404: Error})
def withdraw(request: HttpRequest, conversation: uuid.UUID, payload: WithdrawIn) -> Any:
    user = _focal(request)
    link = access.get_link_for(user, conversation)
    return _run(lambda: workflows.withdraw(link, by=user, reason=payload.reason))


@router.post("/{conversation}/messages", response={200: LinkOut, 400: Error, 403: Error, 404: Error})
def send_message(request: HttpRequest, conversation: uuid.UUID, payload: MessageIn) -> Any:
    user = _focal(request)
    link = access.get_link_for(user, conversation)
    if payload.type not in FIELDS:
        return Status(400, {"detail": "Unknown message type."})
    form = FollowUpForm({**payload.data, "type": payload.type}, type_=payload.type)
    if not form.is_valid():
        return Status(400, {"detail": _form_errors(form)})

    def send() -> Any:
        workflows.send_follow_up(link, by=user, type_=payload.type, data=form.cleaned_data)
        return link

    return _run(send)
