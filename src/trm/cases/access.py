"""Who may see and change which case. Views, the API and exports fetch cases only through here.

- first responders (and others who record detections) see the cases they created, until referred;
- the competent authority sees its organisation's cases and the cases routed to it;
- the focal point sees every case of the node;
- a guardian sees only the child cases to which they are appointed (and not after the end);
- the DPO, rapporteur, node administrator and secretariat see no case content.
A case the user may not see is a 404, never a 403, so that a guessed reference tells nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from trm.accounts.models import User, Viewer
from trm.accounts.roles import Cap
from trm.cases.models import Case, CaseQuerySet, GuardianAppointment


def _scope(user: Any) -> Q | None:
    """The Q that selects the user's cases; None means none at all."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not user.can(Cap.SEE_CASE_DATA):
        return None
    if user.can(Cap.VIEW_ALL_CASES):
        return Q()
    parts = Q(pk__in=[])
    if user.can(Cap.CREATE_CASE):
        parts |= Q(created_by=user, referred_at__isnull=True)
    if user.can(Cap.VIEW_ORG_CASES) and user.organisation_id is not None:
        parts |= Q(owner_org_id=user.organisation_id) | Q(routed_to_org_id=user.organisation_id)
    if user.can(Cap.REPRESENT_CHILD):
        appointed = GuardianAppointment.objects.filter(guardian=user, ended_on__isnull=True).values("case_id")
        parts |= Q(is_child=True, pk__in=appointed)
    return parts


def visible_cases(user: Viewer) -> CaseQuerySet:
    scope = _scope(user)
    if scope is None:
        return Case.objects.none()
    return Case.objects.filter(scope)


def can_manage(user: User, case: Case) -> bool:
    """May record screenings, events, consents, assessments and plans, and close the case."""
    if user.can(Cap.VIEW_ALL_CASES):
        return True
    if user.can(Cap.VIEW_ORG_CASES) and user.organisation_id in (case.owner_org_id, case.routed_to_org_id):
        return True
    return user.can(Cap.CREATE_CASE) and case.created_by_id == user.pk and case.referred_at is None


def can_decide(user: User, case: Case) -> bool:
    """May take identification decisions on this case (the competent authority it is routed to)."""
    if not user.can(Cap.DECIDE_IDENTIFICATION):
        return False
    return user.organisation_id is not None and user.organisation_id in (case.routed_to_org_id, case.owner_org_id)


def get_case_for(user: User, reference: str, *, write: bool = False) -> Case:
    """The case with this reference if the user may see it (404 otherwise); with write, may manage it (403)."""
    case = visible_cases(user).filter(reference=reference).select_related("person").first()
    if case is None:
        raise Http404
    if write and not can_manage(user, case):
        raise PermissionDenied
    return case
