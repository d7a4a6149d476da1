"""Who may see and change which case. Views, the API and exports fetch cases only through here.

- first responders (and others who record detections) see the cases they created, until referred;
- the competent authority sees its organisation's cases and the cases routed to it;
- the focal point sees every case of the node;
- a guardian sees only the child cases to which they are appointed (and not after the end);
- the DPO, rapporteur, node administrator and secretariat see no case content.
A case the user may not see is a 404, never a 403, so that a guessed reference tells nothing.

STEPS says, for each verb of the cases app, who may take it and in which state of the case;
the verbs call check() and the pages call may(), so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.accounts.models import Organisation, User, Viewer
from trm.accounts.roles import Cap, Role
from trm.cases.models import Case, CaseQuerySet, GuardianAppointment
from trm.lib.refusals import Conflict
from trm.vocab.htcds import CaseStatus


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
        # The appointment names the guardian's account, or the guardian linked to it (``cases.guardians``).
        named = Q(guardian=user) | Q(person__user=user)
        appointed = GuardianAppointment.objects.filter(named, ended_on__isnull=True).values("case_id")
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


def get_case_for(user: User, reference: str, *, write: bool = False, related: tuple[str, ...] = ()) -> Case:
    """The case with this reference if the user may see it (404 otherwise); with write, may manage it (403).

    ``related``: relations read along in the same statement (the case page shows its owner and
    organisations).
    """
    case = visible_cases(user).filter(reference=reference).select_related("person", *related).first()
    if case is None:
        raise Http404
    if write and not can_manage(user, case):
        raise PermissionDenied
    return case


def can_see(user: Any, case: Case) -> bool:
    """May see this case at all (one indexed query)."""
    return bool(visible_cases(user).filter(pk=case.pk).exists())


def competent_authorities() -> Any:
    """The organisations a case may be referred to for identification: active, with an active
    member in the competent authority role."""
    return (
        Organisation.objects.active()
        .filter(members__groups__name=Role.COMPETENT_AUTHORITY.value, members__is_active=True)
        .distinct()
        .order_by("name")
    )


def is_competent_authority(org: Any) -> bool:
    return isinstance(org, Organisation) and competent_authorities().filter(pk=org.pk).exists()


# ------------------------------------------------------------------------------------------
# Who may take which step on a case, and in which state of the case.
#
# A verb calls check(step, user, case) before it writes; a page calls may(step, user, case) to
# decide whether to show the step's form. Both read the one STEPS table below. The order of the
# refusals is fixed: a role that sees no case content at all (403, says nothing about the case),
# a case the actor may not see (404), a step the actor may not take on it (403), then the case's
# state (Conflict, 409), so that a refusal never tells an outsider anything about the case.


@dataclass(frozen=True)
class State:
    """A condition on the case's state, and the refusal when it does not hold."""

    holds: Callable[[Case], bool]
    message: Any
    code: str


OPEN = State(lambda c: c.is_open, gettext_lazy("The case is closed."), "closed")
CHILD = State(lambda c: c.is_child, gettext_lazy("This step is taken only on a child's case."), "not_child")
ACTIVE = State(
    lambda c: c.status == CaseStatus.ACTIVE, gettext_lazy("Only an active case moves to follow-up."), "not_active"
)

MANAGE_REFUSED = gettext_lazy("You may not change this case.")


@dataclass(frozen=True)
class Step:
    actor: Callable[[Any, Case], bool]
    refused: Any = MANAGE_REFUSED
    states: tuple[State, ...] = (OPEN,)


def _sees(user: Any, case: Case) -> bool:
    return True  # checked by check() for every step; anyone who sees the case


def _manages_or_represents(user: Any, case: Case) -> bool:
    """Manages the case, or is the child's guardian (who sees only the cases they are appointed to)."""
    return can_manage(user, case) or bool(user.can(Cap.REPRESENT_CHILD))


STEPS: dict[str, Step] = {
    "update_person": Step(can_manage),
    "add_event": Step(can_manage),
    "add_note": Step(_sees),
    "record_risk_assessment": Step(can_manage),
    "record_support_plan": Step(can_manage),
    "record_permit": Step(can_manage),
    "assign_owner": Step(can_manage),
    "set_follow_up": Step(can_manage, states=(ACTIVE,)),
    "close": Step(can_manage),
    "record_age_assessment": Step(can_manage),
    "appoint_guardian": Step(can_manage, states=(OPEN, CHILD)),
    # A guardianship may be ended after the case is closed (the child comes of age, the
    # appointment ends): ending it is what stops the guardian seeing the case.
    "end_guardianship": Step(can_manage, states=()),
    "record_best_interests": Step(can_manage, states=(OPEN, CHILD)),
    "record_family_tracing": Step(can_manage, states=(OPEN, CHILD)),
    "give_consent": Step(can_manage),
    # What another country holds (its office, its decision, a consent given there), kept when
    # its referral is accepted here.
    "record_abroad": Step(can_manage),
    # The person may withdraw their consent at any time (GDPR Art. 7(3)), the case closed or not.
    "withdraw_consent": Step(can_manage, states=()),
    # A child on the move (protection.py): who they travel with, where they live.
    "record_child_status": Step(can_manage, states=(OPEN, CHILD)),
    "record_accompanying_adult": Step(can_manage, states=(OPEN, CHILD)),
    "place_child": Step(can_manage, states=(OPEN, CHILD)),
    # A placement may be ended after the case is closed or the child comes of age.
    "end_placement": Step(can_manage, states=()),
    # A person going missing (missing.py): the guardian may record it too. Being found, and the
    # steps of the search, are recorded whatever the case's state (it may be closed as missing).
    "record_missing": Step(_manages_or_represents),
    "missing_step": Step(_manages_or_represents, states=()),
    "record_found": Step(_manages_or_represents, states=()),
    # Migrants and asylum (migrants.py).
    "set_migration_status": Step(can_manage),
    "record_route_encounter": Step(can_manage),
}


def check_actor(user: Any, case: Case, *, allowed: bool, refused: Any = MANAGE_REFUSED) -> None:
    """Refuse an actor: 403 for a role with no case content, 404 for an unseen case, else 403 unless allowed."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.SEE_CASE_DATA):
        raise PermissionDenied(_("Your role sees no case content."))
    if not can_see(user, case):
        raise Http404
    if not allowed:
        raise PermissionDenied(str(refused))


def check_state(case: Case, *states: State) -> None:
    for state in states:
        if not state.holds(case):
            raise Conflict(str(state.message), code=state.code)


def check(step: str, user: Any, case: Case) -> None:
    """Refuse the step unless this user may take it on this case now (see the order above)."""
    rule = STEPS[step]
    check_actor(user, case, allowed=rule.actor(user, case), refused=rule.refused)
    check_state(case, *rule.states)


def may(step: str, user: Any, case: Case) -> bool:
    """Whether to offer the step (the user already sees the case): check() would let it through."""
    rule = STEPS[step]
    return rule.actor(user, case) and all(s.holds(case) for s in rule.states)
