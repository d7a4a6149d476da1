"""Deadline rows of a case: open, complete, and the task list per user and per organisation.

Called from inside the verb functions' transactions; the rules come from deadlines.py.
Case.next_deadline (indexed) mirrors the earliest open deadline so that the case list
filters on it without a join.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from trm.accounts.models import Organisation, User
from trm.cases import deadlines
from trm.cases.models import Case, Deadline


def rules() -> deadlines.Rules:
    return deadlines.rules_for(settings.TRM_COUNTRY)


def today() -> dt.date:
    return timezone.localdate()


def open_deadline(
    case: Case,
    kind: str,
    *,
    start: dt.date,
    due_on: dt.date | None = None,
    assigned_org: Organisation | None = None,
    assigned_user: User | None = None,
    due_at: dt.datetime | None = None,
) -> Deadline:
    """Open (or move) the deadline of this kind on the case; at most one open per kind.

    ``due_at`` (a deadline counted in hours) sets the moment it falls due; ``due_on`` is its day.
    """
    if due_at is not None:
        due = timezone.localdate(due_at)
    else:
        due = due_on or deadlines.due_date(kind, start=start, rules=rules())
    existing = Deadline.objects.open().filter(case=case, kind=kind).first()
    if existing is not None:
        existing.starts_on, existing.due_on, existing.due_at = start, due, due_at
        existing.assigned_org, existing.assigned_user = assigned_org, assigned_user
        existing.full_clean()
        existing.save(update_fields=["starts_on", "due_on", "due_at", "assigned_org", "assigned_user"])
        deadline = existing
    else:
        deadline = Deadline(
            case=case,
            kind=kind,
            starts_on=start,
            due_on=due,
            due_at=due_at,
            assigned_org=assigned_org,
            assigned_user=assigned_user,
        )
        deadline.full_clean()
        deadline.save()
    refresh_next_deadline(case)
    return deadline


def complete(case: Case, *kinds: str) -> int:
    done = Deadline.objects.open().filter(case=case, kind__in=kinds).update(done_at=timezone.now())
    refresh_next_deadline(case)
    return done


def complete_all(case: Case) -> None:
    Deadline.objects.open().filter(case=case).update(done_at=timezone.now())
    refresh_next_deadline(case)


def refresh_next_deadline(case: Case) -> None:
    earliest = Deadline.objects.open().filter(case=case).aggregate(d=Min("due_on"))["d"]
    if earliest != case.next_deadline:
        case.next_deadline = earliest
        Case.objects.filter(pk=case.pk).update(next_deadline=earliest)


def sync_support_review(case: Case) -> None:
    """The case's "review the support plan" deadline: the earliest review date of its open plans."""
    from trm.cases.models import SupportPlan, SupportPlanStatus

    open_plans = SupportPlan.objects.filter(
        case=case, status__in=[SupportPlanStatus.PLANNED, SupportPlanStatus.ACTIVE], review_on__isnull=False
    )
    due = open_plans.aggregate(d=Min("review_on"))["d"]
    if due is None:
        complete(case, deadlines.SUPPORT_REVIEW)
        return
    # Unassigned: whoever works on the case (the owning or the competent organisation) sees it.
    open_deadline(case, deadlines.SUPPORT_REVIEW, start=min(due, today()), due_on=due)


# The reviews of support data (a risk assessment, a support plan): withheld with it (sections.support_withheld).
SUPPORT_REVIEWS = (deadlines.RISK_REVIEW, deadlines.SUPPORT_REVIEW)


def without_withheld_support(user: Any, found: Any) -> Any:
    """The deadlines of ``found`` less the support reviews of cases whose support data is kept from the user."""
    from trm.cases import sections

    for withheld in sections.support_withheld_cases(user):
        found = found.exclude(kind__in=SUPPORT_REVIEWS, case__in=withheld)
    return found


def open_deadlines_for(user: Any, case: Case) -> Any:
    """The case's open deadlines as this reader may see them (the case page and the API)."""
    return without_withheld_support(user, Deadline.objects.open().filter(case=case))


def _visible_open(user: User) -> Any:
    from trm.accounts.roles import Cap
    from trm.cases.access import visible_cases

    cases = visible_cases(user).open()
    qs = Deadline.objects.open().filter(case__in=cases.values("pk")).select_related("case")
    qs = without_withheld_support(user, qs)
    if not user.can(Cap.VIEW_ALL_CASES):
        mine = Q(assigned_user=user) | Q(assigned_user__isnull=True, assigned_org__isnull=True)
        if user.organisation_id is not None:
            mine |= Q(assigned_user__isnull=True, assigned_org_id=user.organisation_id)
        qs = qs.filter(mine)
    return qs


def tasks_for(user: User, *, limit: int = 20) -> list[Deadline]:
    """Open deadlines the user should see: on visible open cases, for them or their organisation.

    The focal point sees every open deadline of the node; others see those assigned to them,
    to their organisation, or unassigned on cases they may see.
    """
    # (due_on, id) is the partial index of open deadlines: the first rows come in order, nothing is sorted.
    return list(_visible_open(user).order_by("due_on", "id")[:limit])


def urgent_for(user: User, *, limit: int = 20) -> list[Deadline]:
    """The deadlines counted in hours (a missing person) among tasks_for's, whatever else is due."""
    return list(_visible_open(user).filter(due_at__isnull=False).order_by("due_at", "id")[:limit])
