"""JSON API of transnational referrals (mounted at /api/transnational/): the focal point only.

Same forms, access rules and verbs as the pages. Endpoints only validate and call a verb;
refusals propagate as exceptions and the API's one error handler turns them into problem
details: another role 403, a conversation or case the caller may not see 404, a step the
state forbids 409, bad input 400 with field errors. Nothing is stored on a refusal.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from trm.accounts.access import SignedInRequest
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.transnational import access, alerts, roles, timeline, workflows
from trm.transnational.forms import (
    AcknowledgeForm,
    DeclineForm,
    FollowUpForm,
    RoleForm,
    RouteAlertForm,
    SendForm,
    WithdrawForm,
)
from trm.transnational.kinds import FOLLOW_UPS

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
    peer_role: str = ""


class MessageOut(Schema):
    at: str
    direction: str
    type: str
    state: str


class LinkDetail(LinkOut):
    messages: list[MessageOut]


class SendIn(Schema):
    """The send page's fields; values are checked by the same form (bad ones: 400 with field errors)."""

    case: str = Field(max_length=40)
    to_node: str = Field(max_length=64)
    services: list[str] = Field(default=[], max_length=10)
    urgency: str = Field(default="routine", max_length=20)
    needs_summary: str = Field(default="", max_length=4000)
    share_identity: bool = False
    offer: bool = True
    purpose: str = Field(default="assistance", max_length=20)
    requested_actions: list[str] = Field(default=["service_continuity", "risk_assessment"], max_length=5)
    handling_codes: list[str] = Field(default=["H2"], max_length=4)
    handling_text: str = Field(default="", max_length=500)


class WithdrawIn(Schema):
    reason: str = Field(max_length=40)


class MessageIn(Schema):
    """One follow-up message: its type and the fields of the page's form for that type."""

    type: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


class DeclineIn(Schema):
    reason: str = Field(max_length=40)
    reason_text: str = Field(default="", max_length=4000)


def _out(link: Any) -> dict[str, Any]:
    return {
        "conversation": link.conversation,
        "direction": link.direction,
        "status": link.status,
        "peer": link.peer,
        "peer_country": link.peer_country,
        "case": link.case.reference if link.case_id else None,
        "remote_case_ref": link.remote_case_ref,
        "services": link.services,
        "urgent": link.urgent,
        "is_child": link.is_child,
        "peer_role": link.peer_role,
    }


def _valid(form: Any) -> dict[str, Any]:
    """The form's cleaned data, or a ValidationError carrying its field errors (a 400)."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return dict(form.cleaned_data)


class RouteAlertIn(Schema):
    """The alert form's fields (``forms.RouteAlertForm``); every country on the case's route is added."""

    case: str = Field(max_length=40)
    alert_kind: str = Field(max_length=20)
    countries: list[str] = Field(default=[], max_length=60)
    contact_point: str = Field(max_length=200)
    last_seen_on: str = Field(default="", max_length=10)
    last_seen_country: str = Field(default="", max_length=2)
    description: str = Field(default="", max_length=4000)
    share_identity: bool = False
    police_report_ref: str = Field(default="", max_length=64)
    safe_reason: str = Field(default="", max_length=2000)
    source_ref: str = Field(default="", max_length=64)


class AlertRecipientOut(Schema):
    country: str
    node: str
    on_route: bool
    conversation: uuid.UUID
    progress: str  # sent, delivered, acknowledged, refused
    acknowledged_at: str | None
    action: str


class RouteAlertOut(Schema):
    alert_id: uuid.UUID
    direction: str
    kind: str
    case: str | None
    created_at: str
    recipients: list[AlertRecipientOut]


class AcknowledgeIn(Schema):
    action: str = Field(max_length=20)
    contact_point: str = Field(default="", max_length=200)
    remarks: str = Field(default="", max_length=4000)


class RoleIn(Schema):
    role: str = Field(max_length=12)


def _alert_out(alert: Any) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "direction": alert.direction,
        "kind": alert.kind,
        "case": alert.case.reference if alert.case_id else None,
        "created_at": alert.created_at.isoformat(),
        "recipients": [
            {
                "country": row.recipient.country,
                "node": row.recipient.node,
                "on_route": row.recipient.on_route,
                "conversation": row.recipient.link.conversation,
                "progress": row.progress,
                "acknowledged_at": row.recipient.acknowledged_at.isoformat() if row.recipient.acknowledged_at else None,
                "action": row.recipient.action,
            }
            for row in alerts.rows(alert)
        ],
    }


@router.post("/alerts", response=RouteAlertOut)
def send_alert(request: SignedInRequest, payload: RouteAlertIn) -> Any:
    """Alert every country on the case's route and those chosen (a missing child, a person in danger)."""
    access.require(request.user)
    case = get_case_for(request.user, payload.case, write=True)
    data = payload.dict()
    data.pop("case")
    countries = [(code, code) for code in sorted({n.country for n in workflows.peers()})]
    # A country outside the trust list is refused by the verb (audited), not dropped by the form.
    form = RouteAlertForm({**data, "countries": []}, countries=countries)
    d = _valid(form)
    d["countries"] = data["countries"]
    return _alert_out(alerts.send(case, by=request.user, **d))


@router.get("/alerts/{alert_id}", response=RouteAlertOut)
def get_alert(request: HttpRequest, alert_id: uuid.UUID) -> Any:
    access.require(request.user)
    alert = access.get_alert_for(request.user, alert_id)
    record(request.user, Action.READ, alert, fields=["recipients"], request=request)
    return _alert_out(alert)


@router.post("/{conversation}/acknowledge", response=LinkOut)
def acknowledge(request: HttpRequest, conversation: uuid.UUID, payload: AcknowledgeIn) -> Any:
    """A person here acknowledges the route alert received in this conversation."""
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    d = _valid(AcknowledgeForm(payload.dict()))
    alerts.acknowledge(link, by=request.user, **d)
    return _out(access.get_link_for(request.user, conversation))


@router.post("/{conversation}/role", response=LinkOut)
def set_role(request: HttpRequest, conversation: uuid.UUID, payload: RoleIn) -> Any:
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    d = _valid(RoleForm(payload.dict()))
    return _out(roles.set_role(link, role=d["role"], by=request.user))


@router.get("/", response=list[LinkOut])
def list_links(request: HttpRequest) -> Any:
    access.require(request.user)
    return [_out(link) for link in access.visible_links(request.user).select_related("case")[:200]]


@router.get("/{conversation}", response=LinkDetail)
def get_link(request: HttpRequest, conversation: uuid.UUID) -> Any:
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    record(request.user, Action.READ, link, fields=["messages"], request=request)
    items = [
        {"at": i["at"].isoformat(), "direction": i["direction"], "type": i["type"], "state": str(i["state"])}
        for i in timeline.build(link.conversation)
    ]
    return {**_out(link), "messages": items}


@router.post("/", response=LinkOut)
def send(request: SignedInRequest, payload: SendIn) -> Any:
    access.require(request.user)
    case = get_case_for(request.user, payload.case, write=True)
    data = payload.dict()
    data.pop("case")
    form = SendForm({**data, "offer": "referral" if data["offer"] else "notification"}, peers=workflows.peers())
    d = _valid(form)
    return _out(workflows.send(case, kind=d["kind"], data=d, by=request.user))


@router.post("/{conversation}/accept", response=LinkOut)
def accept(request: HttpRequest, conversation: uuid.UUID) -> Any:
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    return _out(workflows.accept(link, by=request.user))


@router.post("/{conversation}/decline", response=LinkOut)
def decline(request: HttpRequest, conversation: uuid.UUID, payload: DeclineIn) -> Any:
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    d = _valid(DeclineForm(payload.dict()))
    return _out(workflows.decline(link, by=request.user, **d))


@router.post("/{conversation}/withdraw", response=LinkOut)
def withdraw(request: HttpRequest, conversation: uuid.UUID, payload: WithdrawIn) -> Any:
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    d = _valid(WithdrawForm(payload.dict()))
    return _out(workflows.withdraw(link, by=request.user, reason=d["reason"]))


@router.post("/{conversation}/messages", response=LinkOut)
def send_message(request: HttpRequest, conversation: uuid.UUID, payload: MessageIn) -> Any:
    access.require(request.user)
    link = access.get_link_for(request.user, conversation)
    if payload.type not in FOLLOW_UPS:
        raise ValidationError({"type": [_("Unknown message type.")]})
    d = _valid(FollowUpForm({**payload.data, "type": payload.type}, type_=payload.type))
    return _out(workflows.send(link, kind=payload.type, data=d, by=request.user))
