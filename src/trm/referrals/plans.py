"""Support plans as the provider's work: goals, review dates, progress and services, closing.

Rules:
1. A provider's case manager (Cap.HANDLE_REFERRALS) starts a plan for a case referred to its
   organisation, from a referral it has accepted (or is working on); the plan's provider is
   that organisation. Whoever may manage the case adds plans on the case page
   (cases.casework.record_support_plan) and may edit them too.
2. Who may change a plan: access.may_edit_plan (the provider running it, or whoever may
   manage the case); anyone else who cannot see it gets a 404 (access.get_plan_for).
3. The status moves only along TRANSITIONS; a completed or stopped plan, or a plan of a closed
   case, changes no more (Conflict, 409).
4. Review dates are deadlines: the case's "review the support plan" deadline follows the
   earliest review date of its open plans (cases.tasks.sync_support_review), so the referring
   side sees it among its deadlines; the provider sees its plans' reviews on its dashboard.
5. Each verb runs in one transaction, calls full_clean() and writes its audit entry (field
   names only, never the goals or the progress text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import tasks
from trm.cases.models import SupportPlan, SupportProgress
from trm.cases.models import SupportPlanStatus as P
from trm.lib.refusals import Conflict
from trm.referrals import access
from trm.referrals.models import Referral, Service

START = "start"
COMPLETE = "complete"
STOP = "stop"

# {status: {event: next status}}: the only moves there are.
TRANSITIONS: dict[str, dict[str, str]] = {
    P.PLANNED: {START: P.ACTIVE, STOP: P.STOPPED},
    P.ACTIVE: {COMPLETE: P.COMPLETED, STOP: P.STOPPED},
    P.COMPLETED: {},
    P.STOPPED: {},
}
PLAN_STATES = frozenset({"accepted", "in_progress"})  # referral states from which a provider starts a plan


def allowed_events(plan: SupportPlan) -> list[str]:
    if not plan.case.is_open:
        return []
    return list(TRANSITIONS[plan.status])


def _check_actor(plan: SupportPlan, by: User) -> None:
    if not access.visible_plans(by).filter(pk=plan.pk).exists():
        raise Http404
    if not access.may_edit_plan(by, plan):
        raise PermissionDenied(_("Only the provider running the plan or the case manager may change it."))


def _check_open(plan: SupportPlan) -> None:
    if not plan.case.is_open:
        raise Conflict(_("The case is closed."), code="closed")
    if not TRANSITIONS[plan.status]:
        raise Conflict(_("The plan is closed."), code="plan_closed")


def _check_dates(starts_on: dt.date, review_on: dt.date | None) -> None:
    if review_on is not None and review_on < starts_on:
        raise ValidationError(
            {"review_on": ValidationError(_("The review cannot be before the start."), code="before_start")}
        )


def _lock(plan: SupportPlan) -> SupportPlan:
    return SupportPlan.objects.select_for_update(of=("self",)).select_related("case").get(pk=plan.pk)


@transaction.atomic
def create(
    referral: Referral, *, by: User, type: str, starts_on: dt.date, review_on: dt.date | None = None, goals: str = ""
) -> SupportPlan:
    """The provider starts a plan for the case of a referral it handles."""
    if not access.is_receiving(by, referral):
        raise PermissionDenied(_("Only the organisation the case was referred to may do this."))
    referral = Referral.objects.select_for_update(of=("self",)).select_related("case", "to_org").get(pk=referral.pk)
    if referral.status not in PLAN_STATES:
        raise Conflict(_("A support plan is started once the referral is accepted."), code="not_accepted")
    _check_dates(starts_on, review_on)
    plan = SupportPlan(
        case=referral.case,
        type=type,
        status=P.PLANNED,
        provider=referral.to_org,
        starts_on=starts_on,
        review_on=review_on,
        goals=goals.strip(),
        recorded_by=by,
    )
    plan.full_clean()
    plan.save()
    tasks.sync_support_review(referral.case)
    record(by, Action.CREATE, plan, fields=["type", "starts_on", "review_on", "goals"], note=f"support plan: {type}")
    return plan


@transaction.atomic
def update(plan: SupportPlan, *, by: User, goals: str, review_on: dt.date | None) -> SupportPlan:
    """Change the plan's goals and its next review date."""
    _check_actor(plan, by)
    plan = _lock(plan)
    _check_open(plan)
    _check_dates(plan.starts_on, review_on)
    changed = [f for f, v in (("goals", goals.strip()), ("review_on", review_on)) if getattr(plan, f) != v]
    plan.goals, plan.review_on = goals.strip(), review_on
    plan.full_clean()
    plan.save(update_fields=["goals", "review_on", "updated_at"])
    tasks.sync_support_review(plan.case)
    record(by, Action.UPDATE, plan, fields=changed or ["goals", "review_on"], note="support plan updated")
    return plan


def _services(services: Iterable[str]) -> list[str]:
    out = list(dict.fromkeys(services))
    if any(s not in Service.values for s in out):
        raise ValidationError({"services": ValidationError(_("Unknown service."), code="invalid")})
    return out


@transaction.atomic
def record_progress(
    plan: SupportPlan, *, by: User, recorded_on: dt.date, note: str, services: Iterable[str] = ()
) -> SupportProgress:
    """What was done and how it goes; recording progress on a planned plan starts it."""
    _check_actor(plan, by)
    plan = _lock(plan)
    _check_open(plan)
    if recorded_on > timezone.localdate():
        raise ValidationError({"recorded_on": ValidationError(_("This date is in the future."), code="future")})
    if not note.strip():
        raise ValidationError({"note": ValidationError(_("Say what was done and how it goes."), code="required")})
    item = SupportProgress(
        plan=plan,
        recorded_on=recorded_on,
        note=note.strip(),
        services=_services(services),
        recorded_by=by,
        recorded_org_id=by.organisation_id,
    )
    item.full_clean()
    item.save()
    if plan.status == P.PLANNED:
        plan.status = TRANSITIONS[plan.status][START]
        plan.save(update_fields=["status", "updated_at"])
    record(by, Action.CREATE, plan, fields=["progress", "services"], note=f"support progress; plan {plan.status}")
    return item


@transaction.atomic
def move(plan: SupportPlan, *, by: User, event: str, outcome: str = "") -> SupportPlan:
    """Start, complete or stop the plan (TRANSITIONS); closing it records its outcome."""
    _check_actor(plan, by)
    plan = _lock(plan)
    if not plan.case.is_open:
        raise Conflict(_("The case is closed."), code="closed")
    target = TRANSITIONS[plan.status].get(event)
    if target is None:
        raise Conflict(
            _("This step is not possible while the plan is %(status)s.") % {"status": plan.get_status_display()},
            code="invalid_transition",
        )
    old = plan.status
    fields = ["status", "updated_at"]
    plan.status = target
    if not TRANSITIONS[target]:
        if not outcome.strip():
            raise ValidationError({"outcome": ValidationError(_("Say how the plan ended."), code="required")})
        plan.outcome, plan.closed_at = outcome.strip(), timezone.now()
        fields += ["outcome", "closed_at"]
    plan.full_clean()
    plan.save(update_fields=fields)
    tasks.sync_support_review(plan.case)
    record(
        by,
        Action.UPDATE,
        plan,
        fields=[f for f in fields if f != "updated_at"],
        note=f"plan {event}: {old} -> {target}",
    )
    return plan


def plans_of_referral(user: Any, referral: Referral) -> Any:
    """The plans this provider runs for the referral's case (the provider's view of them)."""
    return access.providing_plans(user).filter(case_id=referral.case_id)
