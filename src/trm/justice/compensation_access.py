"""Who may see and change which compensation claim and group case. Views and the API fetch them only here.

A claim is seen by whoever sees its case (``cases.access``): the focal point sees every
claim of the node, a case manager those of the cases they manage. Changing a claim needs
the right to manage its case; a cross-border claim, which goes over trm/1, also needs
the capability to send transnational messages. A claim or group out of reach is a 404.

A group is seen by whoever sees at least one of its cases, and only the member cases
they see are listed; the focal point records groups and shares their references.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from trm.accounts.access import signed_in
from trm.accounts.roles import Cap
from trm.cases import access as case_access
from trm.cases.models import Case
from trm.justice.models.compensation import Claim, ClaimQuerySet
from trm.justice.models.groups import Group, GroupMember


def visible_claims(user: Any) -> ClaimQuerySet:
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        return Claim.objects.none()
    return Claim.objects.filter(case__in=case_access.visible_cases(user).values("pk"))


def may_change(user: Any, claim: Claim) -> bool:
    if not case_access.can_manage(user, claim.case):
        return False
    return not claim.abroad_role or user.can(Cap.SEND_TRANSNATIONAL)


def may_open_claim(user: Any, case: Case) -> bool:
    return bool(signed_in(user) and case_access.can_manage(user, case) and case.is_open)


def get_claim_for(user: Any, reference: str, *, write: bool = False) -> Claim:
    """The claim if the user sees its case (404 otherwise); with write, may change it (403)."""
    claim = visible_claims(user).filter(reference=reference).select_related("case", "link").first()
    if claim is None:
        raise Http404
    if write and not may_change(user, claim):
        raise PermissionDenied(_("You may not change this claim."))
    return claim


def check_claim(user: Any, claim: Claim) -> None:
    """What a verb checks first: a role with no case content (403), a claim out of reach (404), no right (403)."""
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        raise PermissionDenied(_("Your role sees no case content."))
    if not visible_claims(user).filter(pk=claim.pk).exists():
        raise Http404
    if not may_change(user, claim):
        raise PermissionDenied(_("You may not change this claim."))


# --- groups ---------------------------------------------------------------------------------


def may_record_groups(user: Any) -> bool:
    return bool(signed_in(user) and user.can(Cap.VIEW_ALL_CASES))


def visible_groups(user: Any) -> QuerySet[Group]:
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        return Group.objects.none()
    if user.can(Cap.VIEW_ALL_CASES):
        return Group.objects.all()
    members = GroupMember.objects.filter(case__in=case_access.visible_cases(user).values("pk"))
    return Group.objects.filter(pk__in=members.values("group_id"))


def get_group_for(user: Any, reference: str, *, write: bool = False) -> Group:
    group = visible_groups(user).filter(reference=reference).first()
    if group is None:
        raise Http404
    if write and not may_record_groups(user):
        raise PermissionDenied(_("Only the focal point records group cases."))
    return group


def visible_members(user: Any, group: Group) -> QuerySet[GroupMember]:
    """The group's member rows whose case this user sees."""
    return group.members.filter(case__in=case_access.visible_cases(user).values("pk")).select_related("case")
