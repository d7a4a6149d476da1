"""JSON API of referrals and the directory (mounted at /api/referrals/). Same access rules and verbs as the pages.

A referral the caller may not open is a 404 (also for a provider after the referral ended or
the consent was withdrawn); a step the caller may not take, or a field that was not shared,
is a 403; bad input is a 400 with its field errors, audited, and nothing is stored. The
endpoints let these refusals propagate: trm.api answers each as a problem (docs/api.md). The
provider reads the shared fields from /{reference}/shared, a projection of the field set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from trm.accounts.access import SignedInRequest, signed_in
from trm.accounts.models import Organisation, User
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.audit.refusals import record_refusal
from trm.lib.text import DbId
from trm.referrals import access, directory, fieldsets, notifications, routing
from trm.referrals.models import Provider, Referral

router = Router(tags=["referrals"])


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _user(request: HttpRequest) -> User:
    user = request.user
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        raise PermissionDenied("Your role sees no case content.")
    return user


def _referral(request: HttpRequest, reference: str) -> Referral:
    return access.get_referral_for(_user(request), reference)


# ------------------------------------------------------------------------------------------
# Schemas


class FieldSetOut(Schema):
    key: str
    label: str
    services: list[str]
    fields: list[str]


class ProviderFilters(Schema):
    q: str = ""
    service: str = ""
    region: str = ""
    language: str = ""
    accepts: str = ""
    free_only: bool = False


class ProviderOut(Schema):
    id: int
    organisation: str
    organisation_type: str
    services: list[str]
    regions: list[str]
    languages: list[str]
    accepts_children: bool
    accepts_women: bool
    accepts_men: bool
    accepts_families: bool
    capacity: int | None
    free_places: int | None
    capacity_updated_at: dt.datetime | None
    contact_name: str
    contact_email: str
    contact_phone: str
    mou_reference: str
    mou_valid_from: dt.date | None
    mou_valid_until: dt.date | None
    is_active: bool


class ProviderIn(Schema):
    organisation: int
    services: list[str]
    regions: list[str] = []
    languages: list[str] = []
    accepts_children: bool = False
    accepts_women: bool = True
    accepts_men: bool = True
    accepts_families: bool = False
    capacity: int | None = None
    free_places: int | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    mou_reference: str = ""
    mou_valid_from: dt.date | None = None
    mou_valid_until: dt.date | None = None
    description: str = ""
    is_active: bool = True


class ProviderPatch(Schema):
    services: list[str] | None = None
    regions: list[str] | None = None
    languages: list[str] | None = None
    accepts_children: bool | None = None
    accepts_women: bool | None = None
    accepts_men: bool | None = None
    accepts_families: bool | None = None
    capacity: int | None = None
    free_places: int | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    mou_reference: str | None = None
    mou_valid_from: dt.date | None = None
    mou_valid_until: dt.date | None = None
    description: str | None = None
    is_active: bool | None = None


class CapacityIn(Schema):
    free_places: int
    capacity: int | None = None


class ReferIn(Schema):
    case: str
    provider: int
    service: str
    field_set: str
    needs: str = ""
    health_notes: str = ""
    urgent: bool = False


class DeliveryOut(Schema):
    service: str
    delivered_on: dt.date
    description: str
    recorded_by: str


class ReferralOut(Schema):
    reference: str
    side: str
    service: str
    field_set: str
    shared_fields: list[str]
    basis: str
    status: str
    urgent: bool
    to_organisation: str
    from_organisation: str | None
    referred_at: dt.datetime
    answer_due: dt.date
    start_due: dt.date | None
    responded_at: dt.datetime | None
    decline_reason: str
    ended_at: dt.datetime | None
    end_reason: str
    overdue: bool
    allowed_steps: list[str]
    case: str | None
    report: str
    deliveries: list[DeliveryOut]


class SharedOut(Schema):
    reference: str
    field_set: str
    fields: dict[str, Any]


class FieldOut(Schema):
    key: str
    label: str
    value: Any


class DeclineIn(Schema):
    reason: str
    note: str = ""


class DeliveryIn(Schema):
    service: str
    delivered_on: dt.date
    description: str


class CompleteIn(Schema):
    report: str


class WithdrawIn(Schema):
    reason: str


class NotificationOut(Schema):
    id: int
    kind: str
    referral: str
    text: str
    created_at: dt.datetime
    read: bool


class MarkReadIn(Schema):
    ids: list[DbId] | None = None


class MarkedOut(Schema):
    marked: int


# ------------------------------------------------------------------------------------------
# Conversions


def _provider(p: Provider) -> dict[str, Any]:
    return {
        "id": p.pk,
        "organisation": str(p.organisation),
        "organisation_type": p.organisation.type,
        **{
            k: getattr(p, k)
            for k in (
                "services", "regions", "languages", "accepts_children", "accepts_women", "accepts_men",
                "accepts_families", "capacity", "free_places", "capacity_updated_at", "contact_name",
                "contact_email", "contact_phone", "mou_reference", "mou_valid_from", "mou_valid_until", "is_active",
            )
        },
    }  # fmt: skip


def _steps(user: User, r: Referral, receiving: bool) -> list[str]:
    events = routing.allowed_events(r)
    if receiving:
        steps = sorted(e for e in events if e in routing.RECEIVING_EVENTS)
        return [*steps, "record_service"] if r.status in routing.DELIVERY_STATES else steps
    return sorted(e for e in events if e in routing.REFERRING_EVENTS and access.may_withdraw(user, r))


def _referral_out(user: User, r: Referral) -> dict[str, Any]:
    from django.utils import timezone

    receiving = access.is_receiving(user, r)
    return {
        "reference": r.reference,
        "side": "receiving" if receiving else "referring",
        "service": r.service,
        "field_set": r.field_set,
        "shared_fields": list(fieldsets.shared_keys(r)),
        "basis": r.basis,
        "status": r.status,
        "urgent": r.urgent,
        "to_organisation": str(r.to_org),
        "from_organisation": str(r.from_org) if r.from_org_id else None,
        "referred_at": r.referred_at,
        "answer_due": r.answer_due,
        "start_due": r.start_due,
        "responded_at": r.responded_at,
        "decline_reason": r.decline_reason,
        "ended_at": r.ended_at,
        "end_reason": r.end_reason,
        "overdue": r.is_overdue(timezone.localdate()),
        "allowed_steps": _steps(user, r, receiving),
        # The provider gets no case reference: it knows the person only through the shared fields.
        "case": None if receiving else r.case.reference,
        "report": r.report,
        "deliveries": [
            {
                "service": d.service,
                "delivered_on": d.delivered_on,
                "description": d.description,
                "recorded_by": d.recorded_by.get_username(),
            }
            for d in r.deliveries.select_related("recorded_by")
        ],
    }


# ------------------------------------------------------------------------------------------
# Directory


@router.get("/field-sets", response=list[FieldSetOut])
def field_sets(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"key": k, "label": str(fs.label), "services": sorted(fs.services), "fields": list(fs.fields)}
        for k, fs in fieldsets.FIELD_SETS.items()
    ]


@router.get("/providers", response=list[ProviderOut])
def list_providers(request: HttpRequest, filters: Query[ProviderFilters]) -> list[dict[str, Any]]:
    if filters.accepts and filters.accepts not in ("children", "women", "men", "families"):
        raise _field_error("accepts", "accepts must be children, women, men or families.", "invalid_choice")
    found = directory.search(request.user, directory.Filters(**filters.dict()))
    return [_provider(p) for p in found]


@router.get("/providers/{pk}", response=ProviderOut)
def get_provider(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _provider(access.get_provider_for(request.user, pk))


@router.post("/providers", response={201: ProviderOut})
def add_provider(request: SignedInRequest, payload: ProviderIn) -> Status[dict[str, Any]]:
    user = request.user
    data = payload.dict()
    org = Organisation.objects.filter(pk=data.pop("organisation")).first()
    if org is None:
        raise _field_error("organisation", "Unknown organisation.", "unknown")
    with routing.audited_refusals(user, what="add provider", object_type="referrals.provider", request=request):
        provider = directory.add_provider(organisation=org, by=user, **data)
    return Status(201, _provider(provider))


@router.patch("/providers/{pk}", response=ProviderOut)
def update_provider(request: SignedInRequest, pk: int, payload: ProviderPatch) -> dict[str, Any]:
    user = request.user
    provider = access.get_provider_for(user, pk)
    changes = payload.dict(exclude_unset=True)
    with routing.audited_refusals(user, what="update provider", obj=provider, request=request):
        provider = directory.update_provider(provider, by=user, **changes)
    return _provider(provider)


@router.post("/providers/{pk}/capacity", response=ProviderOut)
def set_capacity(request: SignedInRequest, pk: int, payload: CapacityIn) -> dict[str, Any]:
    user = request.user
    provider = access.get_provider_for(user, pk)
    with routing.audited_refusals(user, what="capacity", obj=provider, request=request):
        provider = directory.set_capacity(provider, by=user, free_places=payload.free_places,
                                          capacity=payload.capacity)  # fmt: skip
    return _provider(provider)


# ------------------------------------------------------------------------------------------
# Referrals


@router.get("/", response=list[ReferralOut])
def list_referrals(request: HttpRequest, status: str = "", side: str = "") -> list[dict[str, Any]]:
    user = _user(request)
    qs = access.visible_referrals(user).select_related("to_org", "from_org", "case", "consent")
    if side == "receiving":
        qs = access.receiving_referrals(user).select_related("to_org", "from_org", "case", "consent")
    elif side == "referring":
        qs = qs.exclude(pk__in=access.receiving_referrals(user).values("pk"))
    if status:
        qs = qs.filter(status=status)
    rows = list(qs.order_by("-referred_at", "-id")[:200])
    record(user, Action.READ, object_type="referrals.referral", object_ref="list", note=f"{len(rows)} rows")
    return [_referral_out(user, r) for r in rows]


@router.post("/", response={201: ReferralOut})
def refer(request: HttpRequest, payload: ReferIn) -> Status[dict[str, Any]]:
    user = _user(request)
    case = access.get_case_to_refer(user, payload.case.strip().upper())
    with routing.audited_refusals(user, what="refer", obj=case, request=request):
        provider = Provider.objects.filter(pk=payload.provider).select_related("organisation").first()
        if provider is None:
            raise _field_error("provider", "Unknown provider.", "unknown")
        referral = routing.refer(
            case,
            to=provider,
            service=payload.service,
            field_set=payload.field_set,
            by=user,
            needs=payload.needs,
            health_notes=payload.health_notes,
            urgent=payload.urgent,
        )
    return Status(201, _referral_out(user, referral))


@router.get("/notifications", response=list[NotificationOut])
def my_notifications(request: SignedInRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "referral": n.referral.reference,
            "text": notifications.message(n.kind, n.referral.reference),
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in notifications.for_user(request.user)[:100]
    ]


@router.post("/notifications/read", response=MarkedOut)
def mark_read(request: SignedInRequest, payload: MarkReadIn) -> dict[str, int]:
    return {"marked": notifications.mark_read(request.user, payload.ids)}


@router.get("/{reference}", response=ReferralOut)
def get_referral(request: SignedInRequest, reference: str) -> dict[str, Any]:
    r = _referral(request, reference)
    record(request.user, Action.READ, r, fields=["status", "deliveries", "report"], request=request)
    return _referral_out(request.user, r)


@router.get("/{reference}/shared", response=SharedOut)
def shared(request: HttpRequest, reference: str, fields: str = "") -> dict[str, Any]:
    """The shared fields (optionally only some, comma-separated). Asking for an unshared field is a 403."""
    r = _referral(request, reference)
    projection = fieldsets.project(r)
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    refused = [f for f in wanted if projection.get(f) is None]
    if refused:
        # Only names of known fields reach the audit; the answer repeats what was asked.
        known = [f for f in refused if f in fieldsets.FIELDS]
        record_refusal(request, status=403, obj=r, fields=known, note="field not shared")
        raise PermissionDenied("These fields were not shared with your organisation: " + ", ".join(refused))
    data = projection.as_dict()
    if wanted:
        data = {k: v for k, v in data.items() if k in wanted}
    record(request.user, Action.READ, r, fields=list(data), request=request)
    return {"reference": r.reference, "field_set": r.field_set, "fields": data}


@router.get("/{reference}/fields/{field}", response=FieldOut)
def shared_field(request: HttpRequest, reference: str, field: str) -> dict[str, Any]:
    r = _referral(request, reference)
    if field not in fieldsets.FIELDS:
        raise Http404
    found = fieldsets.project(r).get(field)
    if found is None:
        record_refusal(request, status=403, obj=r, fields=[field], note="field not shared")
        raise PermissionDenied(f"The field '{field}' was not shared with your organisation.")
    record(request.user, Action.READ, r, fields=[field], request=request)
    return {"key": found.key, "label": found.label, "value": found.value}


def _step(request: HttpRequest, reference: str, what: str, fn: Callable[[Referral, Any], Any]) -> dict[str, Any]:
    user = _user(request)
    r = _referral(request, reference)
    with routing.audited_refusals(user, what=what, obj=r, request=request):
        fn(r, user)
    updated = Referral.objects.get(pk=r.pk)
    if not access.visible_referrals(user).filter(pk=updated.pk).exists():
        # The provider's access ended with this step: answer only what it did.
        return {**_referral_out_minimal(updated), "side": "receiving"}
    return _referral_out(user, updated)


def _referral_out_minimal(r: Referral) -> dict[str, Any]:
    return {
        "reference": r.reference,
        "service": r.service,
        "field_set": r.field_set,
        "shared_fields": [],
        "basis": r.basis,
        "status": r.status,
        "urgent": r.urgent,
        "to_organisation": str(r.to_org),
        "from_organisation": str(r.from_org) if r.from_org_id else None,
        "referred_at": r.referred_at,
        "answer_due": r.answer_due,
        "start_due": r.start_due,
        "responded_at": r.responded_at,
        "decline_reason": r.decline_reason,
        "ended_at": r.ended_at,
        "end_reason": r.end_reason,
        "overdue": False,
        "allowed_steps": [],
        "case": None,
        "report": "",
        "deliveries": [],
    }


STEP_RESPONSES = ReferralOut


@router.post("/{reference}/accept", response=STEP_RESPONSES)
def accept(request: HttpRequest, reference: str) -> dict[str, Any]:
    return _step(request, reference, "accept", lambda r, u: routing.accept(r, by=u))


@router.post("/{reference}/decline", response=STEP_RESPONSES)
def decline(request: HttpRequest, reference: str, payload: DeclineIn) -> dict[str, Any]:
    return _step(request, reference, "decline", lambda r, u: routing.decline(r, by=u, reason=payload.reason,
                                                                              note=payload.note))  # fmt: skip


@router.post("/{reference}/start", response=STEP_RESPONSES)
def start(request: HttpRequest, reference: str) -> dict[str, Any]:
    return _step(request, reference, "start", lambda r, u: routing.start(r, by=u))


@router.post("/{reference}/deliveries", response=STEP_RESPONSES)
def record_service(request: HttpRequest, reference: str, payload: DeliveryIn) -> dict[str, Any]:
    return _step(
        request,
        reference,
        "record service",
        lambda r, u: routing.record_service(
            r, by=u, service=payload.service, delivered_on=payload.delivered_on, description=payload.description
        ),
    )


@router.post("/{reference}/complete", response=STEP_RESPONSES)
def complete(request: HttpRequest, reference: str, payload: CompleteIn) -> dict[str, Any]:
    return _step(request, reference, "complete", lambda r, u: routing.complete(r, by=u, report=payload.report))


@router.post("/{reference}/withdraw", response=STEP_RESPONSES)
def withdraw(request: HttpRequest, reference: str, payload: WithdrawIn) -> dict[str, Any]:
    return _step(request, reference, "withdraw", lambda r, u: routing.withdraw(r, by=u, reason=payload.reason))
