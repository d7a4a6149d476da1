"""Referral of a case to a service provider, and its lifecycle.

Rules (all of them live here; views and the API call these verbs and nothing else):

1. The lifecycle is the table TRANSITIONS: offered → accepted / declined → in progress →
   completed, and withdrawn from any active state. Terminal states have no way out.
   The provider's side takes accept, decline, start and complete (and records services);
   the referring side withdraws. A step not in the table is refused.
2. refer() checks, in this order: the case is open and the worker may refer it; the
   provider is listed, offers the service, accepts the person's group (children, women,
   men), has a valid cooperation agreement (when one is recorded) and a free place (when
   it counts places); the field set fits the service; and the legal basis:
   an adult's consent for assistance covering this recipient (consent.covering: given here, or
   carried from another country within its scope; outside it the refusal says why); for a child,
   the consent given by the guardian or parent, or else a best interests record. Health
   information goes only with a set that names it and a consent whose scope says "health".
3. Acceptance takes a free place (when the provider counts places); completion or
   withdrawal of an accepted referral gives it back.
4. When the consent the referral relies on is withdrawn (or expires), the provider's access
   ends at once (access.py checks it at every read); end_for_withdrawn_consent() and sweep()
   then mark such referrals withdrawn and tell the provider.
5. Each verb runs in one transaction, calls full_clean(), and writes its audit entry
   (field names and states, never values). A refusal changes nothing; callers wrap the
   verb in audited_refusals() so that the refusal is audited with the verb's reason (the
   request's one 'refused' entry, see trm.audit.refusals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.models import Organisation, User, Viewer
from trm.audit.events import Action
from trm.audit.record import record
from trm.audit.refusals import record_refusal
from trm.cases import consent as consents
from trm.cases import tasks
from trm.cases.models import BestInterests, Case, Consent, ConsentGiver, ConsentPurpose
from trm.lib.refusals import status_of
from trm.referrals import access, fieldsets, notifications, targets
from trm.referrals.models import (
    ACTIVE_STATUSES,
    Basis,
    DeclineReason,
    EndReason,
    NotificationKind,
    Provider,
    Referral,
    ServiceDelivery,
    Status,
    new_referral_reference,
)
from trm.vocab.htcds import CaseStatus, Gender

PURPOSE = ConsentPurpose.ASSISTANCE

ACCEPT = "accept"
DECLINE = "decline"
START = "start"
COMPLETE = "complete"
WITHDRAW = "withdraw"

S = Status
TRANSITIONS: dict[str, dict[str, str]] = {
    S.OFFERED: {ACCEPT: S.ACCEPTED, DECLINE: S.DECLINED, WITHDRAW: S.WITHDRAWN},
    S.ACCEPTED: {START: S.IN_PROGRESS, WITHDRAW: S.WITHDRAWN},
    S.IN_PROGRESS: {COMPLETE: S.COMPLETED, WITHDRAW: S.WITHDRAWN},
    S.DECLINED: {},
    S.COMPLETED: {},
    S.WITHDRAWN: {},
}
# Which side takes each step.
RECEIVING_EVENTS = frozenset({ACCEPT, DECLINE, START, COMPLETE})
REFERRING_EVENTS = frozenset({WITHDRAW})
# Services can be recorded in these states; recording one on an accepted referral starts it.
DELIVERY_STATES = frozenset({S.ACCEPTED, S.IN_PROGRESS})

WOMEN = frozenset({Gender.FEMININE, Gender.TRANSGENDER_FEMININE})
MEN = frozenset({Gender.MASCULINE, Gender.TRANSGENDER_MASCULINE})


def _field_error(field: str, message: Any, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def allowed_events(referral: Referral) -> set[str]:
    return set(TRANSITIONS[referral.status])


def next_state(referral: Referral, event: str) -> str:
    target = TRANSITIONS[referral.status].get(event)
    if target is None:
        raise ValidationError(
            _("This step is not possible while the referral is %(status)s.")
            % {"status": referral.get_status_display().lower()},
            code="invalid_transition",
        )
    return target


# ------------------------------------------------------------------------------------------
# Refusals are audited


def refusal_code(exc: Exception) -> str:
    if isinstance(exc, PermissionDenied):
        return "forbidden"
    if isinstance(exc, Http404):
        return "not_found"
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                code = next((e.code for e in errors if e.code), None)
                return f"{field}:{code or 'invalid'}"
        code = next((e.code for e in exc.error_list if e.code), None)
        return code or "invalid"
    return "error"


@contextmanager
def audited_refusals(
    user: Viewer | None,
    *,
    what: str,
    obj: Any = None,
    object_type: str = "",
    object_ref: str = "",
    request: HttpRequest | None = None,
) -> Iterator[None]:
    """Run a verb; if it refuses, audit the refusal with the verb's reason and re-raise.

    The entry is the request's one 'refused' entry (trm.audit.refusals): the page's or the
    API's refusal audit does not write a second one. It is written after the verb's
    transaction rolled back. Bad input is audited here too, since a verb's 400 is often a
    legal refusal (no consent, no best interests record).
    """
    try:
        yield
    except (ValidationError, PermissionDenied, Http404) as exc:
        record_refusal(
            request,
            status=status_of(exc),
            user=user,
            obj=obj,
            object_type=object_type,
            object_ref=object_ref,
            note=f"{what}: {refusal_code(exc)}",
        )
        raise


# ------------------------------------------------------------------------------------------
# Referring


def legal_basis(case: Case, org: Organisation, *, at: dt.datetime) -> tuple[str, Consent | None, BestInterests | None]:
    """Consent (adults; a child's given by the guardian or parent) or a child's best interests record.

    The consent is one given here for assistance covering this recipient, or a consent
    carried from another country whose scope covers it (consent.covering); outside that
    scope the refusal says which part of it the referral misses (consent.scope_gap).
    """
    found = consents.covering(case, purpose=PURPOSE, recipient_org=org, at=at)
    if found is not None and not (case.is_child and found.given_by == ConsentGiver.PERSON):
        return Basis.CONSENT, found, None
    if case.is_child:
        record_ = case.best_interests.order_by("-decided_on", "-id").first()
        if record_ is not None:
            return Basis.BEST_INTERESTS, None, record_
        raise ValidationError(
            _(
                "A child's referral needs the consent of the guardian (or parent) for assistance by this "
                "organisation, or a best interests record. Record one on the case first."
            ),
            code="child_without_guardian_or_best_interests",
        )
    gap = consents.scope_gap(case, purpose=PURPOSE, recipient_org=org, at=at)
    if gap is not None:
        raise ValidationError(
            "{} {}".format(gap, _("Record the person's informed consent here first.")), code="outside_carried_consent"
        )
    raise ValidationError(
        _(
            "The person has not consented to a referral for assistance to this organisation (or the consent "
            "was withdrawn). Record the person's informed consent on the case first."
        ),
        code="no_consent",
    )


@dataclass(frozen=True)
class Unfit:
    """Why a provider cannot take this case for this service: the form field it concerns, the
    reason as the person choosing reads it, and a stable code."""

    field: str
    message: str
    code: str


def unfit(provider: Provider, case: Case, service: str, today: dt.date) -> list[Unfit]:
    """Every reason why this provider cannot take the case for the service now (none: it fits).

    The one rule behind the choice of a provider: refer() refuses with the first reason, the
    referral form offers only providers without one and shows the reasons of the others.
    """
    out: list[Unfit] = []
    if not provider.is_active or not provider.organisation.is_active:
        out.append(Unfit("provider", _("This provider is not listed in the directory."), "not_listed"))
    if service and not provider.offers(service):
        out.append(
            Unfit(
                "service",
                _("%(org)s does not offer this service.") % {"org": provider.organisation},
                "service_not_offered",
            )
        )
    if case.is_child and not provider.accepts_children:
        out.append(Unfit("provider", _("This provider does not accept children."), "no_children"))
    gender = case.person.gender
    if not case.is_child and gender in WOMEN and not provider.accepts_women:
        out.append(Unfit("provider", _("This provider does not accept women."), "no_women"))
    if not case.is_child and gender in MEN and not provider.accepts_men:
        out.append(Unfit("provider", _("This provider does not accept men."), "no_men"))
    if not provider.mou_valid_on(today):
        out.append(
            Unfit("provider", _("The cooperation agreement with this provider has expired."), "agreement_expired")
        )
    if provider.is_full:
        out.append(Unfit("provider", _("This provider has no free place. Choose another provider."), "provider_full"))
    return out


def choose(
    providers: Iterable[Provider], case: Case, service: str, today: dt.date
) -> tuple[list[Provider], list[tuple[Provider, list[Unfit]]]]:
    """The providers that can take the case for the service now, and the others with their reasons."""
    fits: list[Provider] = []
    others: list[tuple[Provider, list[Unfit]]] = []
    for provider in providers:
        reasons = unfit(provider, case, service, today)
        if reasons:
            others.append((provider, reasons))
        else:
            fits.append(provider)
    return fits, others


def _check_provider(provider: Provider, case: Case, service: str, today: dt.date) -> None:
    reasons = unfit(provider, case, service, today)
    if reasons:
        raise _field_error(reasons[0].field, reasons[0].message, reasons[0].code)


@transaction.atomic
def refer(
    case: Case,
    *,
    to: Provider,
    service: str,
    field_set: str,
    by: User,
    needs: str = "",
    health_notes: str = "",
    urgent: bool = False,
) -> Referral:
    """Refer the case to a provider for one service, sharing one field set."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)
    if not case.is_open:
        raise ValidationError(_("The case is closed."), code="case_closed")
    if not access.may_refer(by, case):
        raise PermissionDenied(_("You may not refer this case."))
    now = timezone.now()
    today = timezone.localdate()
    # Locked before the audit entry (which locks the chain head), as accept does: otherwise
    # the referral's foreign-key check at commit waits for the provider row while
    # holding the chain head, and PostgreSQL breaks the cycle by failing one request.
    provider = (
        Provider.objects.select_for_update(no_key=True, of=("self",)).select_related("organisation").get(pk=to.pk)
    )
    _check_provider(provider, case, service, today)
    try:
        fieldsets.check(field_set, service)
    except fieldsets.FieldSetError:
        raise _field_error("field_set", _("Choose a set of information that fits this service."), "field_set") from None
    if Referral.objects.filter(case=case, provider=provider, service=service, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError(
            _("This case is already referred to this provider for this service."), code="already_referred"
        )
    basis, consent_row, best = legal_basis(case, provider.organisation, at=now)
    if health_notes.strip():
        if not fieldsets.may_include_health(field_set):
            raise _field_error(
                "health_notes", _("This set of information does not include health information."), "health_not_in_set"
            )
        if consent_row is None or fieldsets.HEALTH_SCOPE not in (consent_row.scope or []):
            raise _field_error(
                "health_notes",
                _("Health information is shared only with the person's explicit consent to it."),
                "health_not_consented",
            )
    rules = tasks.rules()
    referral = Referral(
        reference=new_referral_reference(),
        case=case,
        provider=provider,
        to_org=provider.organisation,
        service=service,
        field_set=field_set,
        basis=basis,
        consent=consent_row,
        best_interests=best,
        needs=needs.strip(),
        health_notes=health_notes.strip(),
        urgent=urgent,
        status=Status.OFFERED,
        referred_by=by,
        from_org_id=by.organisation_id,
        referred_at=now,
        answer_due=targets.answer_due(service, urgent=urgent, start=today, country=settings.TRM_COUNTRY, rules=rules),
    )
    referral.full_clean()
    referral.save()
    shared = fieldsets.shared_keys(referral)
    record(
        by,
        Action.SEND,
        referral,
        fields=shared,
        note=f"referral of {case.reference} to org {provider.organisation_id}: {service}, {field_set}, {basis}",
    )
    notifications.notify(notifications.provider_staff(referral), kind=NotificationKind.OFFERED, referral=referral)
    return referral


# ------------------------------------------------------------------------------------------
# The provider's answer and work


def _lock(referral: Referral) -> Referral:
    # The referral row only: a step that changes the provider locks it itself (accept, release).
    return Referral.objects.select_for_update(of=("self",)).select_related("provider", "case").get(pk=referral.pk)


def _require_receiving(by: User, referral: Referral) -> None:
    if not access.is_receiving(by, referral):
        raise PermissionDenied(_("Only the organisation the case was referred to may do this."))


def _release_place(referral: Referral) -> list[str]:
    if not referral.holds_place:
        return []
    provider = Provider.objects.select_for_update().get(pk=referral.provider_id)
    if provider.free_places is not None and (provider.capacity is None or provider.free_places < provider.capacity):
        provider.free_places += 1
        provider.capacity_updated_at = timezone.now()
        provider.save(update_fields=["free_places", "capacity_updated_at", "updated_at"])
    referral.holds_place = False
    return ["holds_place"]


@transaction.atomic
def accept(referral: Referral, *, by: User) -> Referral:
    _require_receiving(by, referral)
    referral = _lock(referral)
    old = referral.status
    referral.status = next_state(referral, ACCEPT)
    provider = Provider.objects.select_for_update().get(pk=referral.provider_id)
    if provider.counts_places:
        if provider.is_full:
            raise ValidationError(
                _("You have no free place. Update your free places, or decline with the reason 'no free place'."),
                code="provider_full",
            )
        provider.free_places = (provider.free_places or 0) - 1
        provider.capacity_updated_at = timezone.now()
        provider.save(update_fields=["free_places", "capacity_updated_at", "updated_at"])
        referral.holds_place = True
    now = timezone.now()
    referral.responded_at, referral.responded_by = now, by
    referral.start_due = targets.start_due(
        referral.service, start=timezone.localdate(), country=settings.TRM_COUNTRY, rules=tasks.rules()
    )
    referral.full_clean()
    referral.save(update_fields=["status", "responded_at", "responded_by", "start_due", "holds_place", "updated_at"])
    record(by, Action.DECIDE, referral, fields=["status"], note=f"referral {ACCEPT}: {old} -> {referral.status}")
    notifications.notify(notifications.referring_staff(referral), kind=NotificationKind.ACCEPTED, referral=referral)
    return referral


@transaction.atomic
def decline(referral: Referral, *, by: User, reason: str, note: str = "") -> Referral:
    _require_receiving(by, referral)
    referral = _lock(referral)
    if reason not in DeclineReason.values:
        raise _field_error("reason", _("Give the reason for declining."), "reason")
    old = referral.status
    referral.status = next_state(referral, DECLINE)
    now = timezone.now()
    referral.responded_at, referral.responded_by = now, by
    referral.decline_reason, referral.decline_note = reason, note.strip()
    referral.ended_at, referral.ended_by = now, by
    referral.full_clean()
    referral.save(
        update_fields=[
            "status", "responded_at", "responded_by", "decline_reason", "decline_note", "ended_at", "ended_by",
            "updated_at",
        ]
    )  # fmt: skip
    record(
        by, Action.DECIDE, referral, fields=["status", "decline_reason"], note=f"referral {DECLINE}: {old} -> declined"
    )
    notifications.notify(notifications.referring_staff(referral), kind=NotificationKind.DECLINED, referral=referral)
    return referral


def _start(referral: Referral, by: User) -> None:
    old = referral.status
    referral.status = next_state(referral, START)
    referral.started_at = timezone.now()
    referral.full_clean()
    referral.save(update_fields=["status", "started_at", "updated_at"])
    record(by, Action.UPDATE, referral, fields=["status"], note=f"referral {START}: {old} -> {referral.status}")
    notifications.notify(notifications.referring_staff(referral), kind=NotificationKind.STARTED, referral=referral)


@transaction.atomic
def start(referral: Referral, *, by: User) -> Referral:
    _require_receiving(by, referral)
    referral = _lock(referral)
    _start(referral, by)
    return referral


@transaction.atomic
def record_service(
    referral: Referral, *, by: User, service: str, delivered_on: dt.date, description: str
) -> ServiceDelivery:
    """The provider records a service delivered: this is the feedback the referring side reads."""
    _require_receiving(by, referral)
    referral = _lock(referral)
    if referral.status not in DELIVERY_STATES:
        raise ValidationError(_("Services are recorded once the referral is accepted."), code="not_accepted")
    if delivered_on > timezone.localdate():
        raise _field_error("delivered_on", _("A service cannot be delivered in the future."), "future")
    if delivered_on < timezone.localtime(referral.referred_at).date():
        raise _field_error("delivered_on", _("A service cannot be delivered before the referral."), "before_referral")
    if not description.strip():
        raise _field_error("description", _("Say what was done."), "required")
    if referral.status == S.ACCEPTED:
        _start(referral, by)
    item = ServiceDelivery(
        referral=referral, service=service, delivered_on=delivered_on, description=description.strip(), recorded_by=by
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, referral, fields=["service_delivery"], note=f"service recorded: {service}")
    notifications.notify(notifications.referring_staff(referral), kind=NotificationKind.SERVICE, referral=referral)
    return item


@transaction.atomic
def complete(referral: Referral, *, by: User, report: str) -> Referral:
    _require_receiving(by, referral)
    referral = _lock(referral)
    if not report.strip():
        raise _field_error("report", _("Write the report for the referring organisation."), "required")
    old = referral.status
    referral.status = next_state(referral, COMPLETE)
    changed = _release_place(referral)
    referral.report = report.strip()
    referral.ended_at, referral.ended_by, referral.end_reason = timezone.now(), by, EndReason.COMPLETED
    referral.full_clean()
    referral.save(update_fields=["status", "report", "ended_at", "ended_by", "end_reason", *changed, "updated_at"])
    record(by, Action.UPDATE, referral, fields=["status", "report"], note=f"referral {COMPLETE}: {old} -> completed")
    notifications.notify(notifications.referring_staff(referral), kind=NotificationKind.COMPLETED, referral=referral)
    return referral


# ------------------------------------------------------------------------------------------
# Ending from the referring side, or by the system


def _end(referral: Referral, *, by: User | None, reason: str) -> Referral:
    old = referral.status
    referral.status = next_state(referral, WITHDRAW)
    changed = _release_place(referral)
    referral.ended_at, referral.ended_by, referral.end_reason = timezone.now(), by, reason
    referral.full_clean()
    referral.save(update_fields=["status", "ended_at", "ended_by", "end_reason", *changed, "updated_at"])
    record(by, Action.UPDATE, referral, fields=["status"], note=f"referral {WITHDRAW}: {old} -> withdrawn ({reason})")
    notifications.notify(notifications.provider_staff(referral), kind=NotificationKind.WITHDRAWN, referral=referral)
    return referral


@transaction.atomic
def withdraw(referral: Referral, *, by: User, reason: str) -> Referral:
    if not access.may_withdraw(by, referral):
        raise PermissionDenied(_("Only the referring side may withdraw an active referral."))
    if reason not in EndReason.values or reason == EndReason.COMPLETED:
        raise _field_error("reason", _("Give the reason for withdrawing."), "reason")
    return _end(_lock(referral), by=by, reason=reason)


@transaction.atomic
def end_for_withdrawn_consent(consent_row: Consent, *, by: User | None = None) -> list[Referral]:
    """Withdraw the active referrals that rely on a consent that is no longer in force."""
    now = timezone.now()
    consent_row = Consent.objects.get(pk=consent_row.pk)
    if consent_row.withdrawn_at is None or consent_row.withdrawn_at > now:
        return []
    ended = []
    for referral in Referral.objects.select_for_update().filter(consent=consent_row, status__in=ACTIVE_STATUSES):
        ended.append(_end(referral, by=by, reason=EndReason.CONSENT_WITHDRAWN))
    return ended


@transaction.atomic
def sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of the sweeper: end referrals whose consent or case ended; alert on overdue answers."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"consent_withdrawn": 0, "consent_expired": 0, "case_closed": 0, "overdue": 0}
    active = Referral.objects.select_for_update().filter(status__in=ACTIVE_STATUSES)
    for referral in active.filter(basis=Basis.CONSENT, consent__withdrawn_at__lte=now):
        _end(referral, by=None, reason=EndReason.CONSENT_WITHDRAWN)
        counts["consent_withdrawn"] += 1
    for referral in active.filter(basis=Basis.CONSENT, consent__expires_on__lte=today):
        _end(referral, by=None, reason=EndReason.CONSENT_EXPIRED)
        counts["consent_expired"] += 1
    for referral in active.exclude(case__status__in=[CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP]):
        _end(referral, by=None, reason=EndReason.CASE_CLOSED)
        counts["case_closed"] += 1
    for referral in Referral.objects.select_for_update().overdue(today).filter(overdue_alerted_at__isnull=True):
        referral.overdue_alerted_at = now
        referral.save(update_fields=["overdue_alerted_at", "updated_at"])
        record(None, Action.UPDATE, referral, fields=["overdue_alerted_at"], note="referral overdue")
        recipients = notifications.provider_staff(referral) + notifications.referring_staff(referral)
        notifications.notify(recipients, kind=NotificationKind.OVERDUE, referral=referral)
        counts["overdue"] += 1
    return counts
