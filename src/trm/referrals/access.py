"""Who may see which referral and which directory entry. Views, the API and the PDFs fetch through here.

Two sides see a referral:
- the referring side: whoever sees the case (cases.access.visible_cases), in every state;
- the receiving side: case managers of the provider organisation (Cap.HANDLE_REFERRALS),
  only while the referral is active (offered, accepted, in progress), the case is open,
  and the consent the referral relies on has been neither withdrawn nor reached its expiry
  (a consent carried from another country may expire). Once the referral ends, or the
  consent is withdrawn or expires, the provider's access ends: the referral is a 404.
The receiving side reads a projection of the shared fields (fieldsets.project), never the case.

Support plans: the referring side (whoever sees the case) sees every plan of the case, unless
the case's support data is withheld from them (the criminal track: a 404, as for referrals);
a provider's case managers see, and work on, the plans whose provider is their organisation,
while a referral of that case to it is active (as above). Another provider's plan is a 404.
Whoever may manage the case edits its plans too (cases.access.can_manage), while it is open.

Who may refer: the focal point (Cap.REFER_NATIONALLY) and whoever may manage the case
(cases.access.can_manage: the owning or competent organisation, or the first responder
until the case goes to the competent authority), on an open case.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trm.accounts.access import signed_in
from trm.accounts.models import User, Viewer
from trm.accounts.roles import Cap
from trm.cases import sections
from trm.cases.access import can_manage, visible_cases
from trm.cases.models import Case, SupportPlan
from trm.referrals.models import ACTIVE_STATUSES, Basis, Provider, ProviderQuerySet, Referral, ReferralQuerySet
from trm.vocab.htcds import CaseStatus

OPEN_CASE = (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)


def _receiving_scope(user: User) -> Q | None:
    if not user.can(Cap.HANDLE_REFERRALS):
        return None
    if user.organisation_id is None:
        return None
    now = timezone.now()
    basis = Q(basis=Basis.BEST_INTERESTS) | Q(
        Q(consent__withdrawn_at__isnull=True) | Q(consent__withdrawn_at__gt=now),
        Q(consent__expires_on__isnull=True) | Q(consent__expires_on__gt=timezone.localdate(now)),
        basis=Basis.CONSENT,
        consent__given_at__lte=now,
    )
    return Q(basis, to_org_id=user.organisation_id, status__in=ACTIVE_STATUSES, case__status__in=OPEN_CASE)


def receiving_referrals(user: Viewer) -> ReferralQuerySet:
    """Referrals the user's organisation is handling now (the provider's list)."""
    scope = _receiving_scope(user) if signed_in(user) else None
    if scope is None:
        return Referral.objects.none()
    return Referral.objects.filter(scope)


def visible_referrals(user: Viewer) -> ReferralQuerySet:
    """Every referral the user may open, from either side."""
    if not signed_in(user):
        return Referral.objects.none()
    if not user.can(Cap.SEE_CASE_DATA):
        return Referral.objects.none()
    scope = Q(case__in=visible_cases(user).values("pk"))
    for withheld in sections.support_withheld_cases(user):
        # Support data kept from this reader (the criminal track: justice/access.py).
        scope &= ~Q(case__in=withheld)
    receiving = _receiving_scope(user)
    if receiving is not None:
        scope |= receiving
    return Referral.objects.filter(scope)


def is_receiving(user: Viewer, referral: Referral) -> bool:
    """True if the user reads this referral as its provider (and only through the projection)."""
    return receiving_referrals(user).filter(pk=referral.pk).exists()


def is_referring(user: Viewer, referral: Referral) -> bool:
    return visible_cases(user).filter(pk=referral.case_id).exists()


def get_referral_for(user: Viewer, reference: str) -> Referral:
    """The referral if the user may open it; 404 otherwise (outside its organisation, or after it ended)."""
    referral = visible_referrals(user).filter(reference=reference).select_related("provider", "to_org").first()
    if referral is None:
        raise Http404
    return referral


def may_refer(user: Viewer, case: Case) -> bool:
    if not signed_in(user) or not case.is_open:
        return False
    if user.can(Cap.REFER_NATIONALLY):
        return True
    return bool(can_manage(user, case))


def may_withdraw(user: User, referral: Referral) -> bool:
    """The referring side ends a referral: who may refer on the case, or its original referrer."""
    if not referral.is_active:
        return False
    if not is_referring(user, referral):
        return False
    return user.can(Cap.REFER_NATIONALLY) or bool(can_manage(user, referral.case))


def get_case_to_refer(user: Viewer, reference: str) -> Case:
    """The case for a new referral: 404 if unseen, 403 if seen but the user may not refer it."""
    case = visible_cases(user).filter(reference=reference).select_related("person").first()
    if case is None:
        raise Http404
    if not may_refer(user, case):
        raise PermissionDenied
    return case


# ------------------------------------------------------------------------------------------
# Directory (no personal data: every member of the node may consult it)


def may_maintain_directory(user: Viewer) -> bool:
    return signed_in(user) and (user.can(Cap.MAINTAIN_DIRECTORY) or user.can(Cap.MANAGE_USERS))


def visible_providers(user: Viewer) -> ProviderQuerySet:
    if not signed_in(user):
        return Provider.objects.none()
    if may_maintain_directory(user):
        return Provider.objects.all()
    return Provider.objects.active()


def get_provider_for(user: Viewer, pk: int, *, write: bool = False) -> Provider:
    provider = visible_providers(user).filter(pk=pk).select_related("organisation").first()
    if provider is None:
        raise Http404
    if write and not may_maintain_directory(user):
        raise PermissionDenied
    return provider


def may_update_capacity(user: Viewer, provider: Provider) -> bool:
    """The maintainers, and the provider's own case managers for their free places."""
    if may_maintain_directory(user):
        return True
    return signed_in(user) and user.can(Cap.HANDLE_REFERRALS) and user.organisation_id == provider.organisation_id


# ------------------------------------------------------------------------------------------
# Support plans


def _providing_scope(user: User) -> Q | None:
    receiving = _receiving_scope(user)
    if receiving is None:
        return None
    cases = Referral.objects.filter(receiving).values("case_id")
    return Q(provider_id=user.organisation_id, case_id__in=cases)


def providing_plans(user: Viewer) -> QuerySet[SupportPlan]:
    """The plans the user's organisation runs as the provider, for cases referred to it now."""
    scope = _providing_scope(user) if signed_in(user) else None
    if scope is None:
        return SupportPlan.objects.none()
    return SupportPlan.objects.filter(scope)


def visible_plans(user: Viewer) -> QuerySet[SupportPlan]:
    """Every support plan the user may open: those of the cases they see, and those they provide."""
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        return SupportPlan.objects.none()
    scope = Q(case__in=visible_cases(user).values("pk"))
    for withheld in sections.support_withheld_cases(user):
        # Support data kept from this reader (the criminal track: justice/access.py).
        scope &= ~Q(case__in=withheld)
    providing = _providing_scope(user)
    if providing is not None:
        scope |= providing
    return SupportPlan.objects.filter(scope)


def is_plan_provider(user: Viewer, plan: SupportPlan) -> bool:
    return providing_plans(user).filter(pk=plan.pk).exists()


def may_edit_plan(user: Viewer, plan: SupportPlan) -> bool:
    """The provider running it, or whoever may manage the case (the verbs check the plan's state)."""
    if not signed_in(user):
        return False
    if is_plan_provider(user, plan):
        return True
    return bool(can_manage(user, plan.case))


def get_plan_for(user: Viewer, pk: int, *, write: bool = False) -> SupportPlan:
    """The plan if the user may open it (404 otherwise, another provider's plan too); with write, 403
    when the user sees it but may not change it."""
    plan = visible_plans(user).filter(pk=pk).select_related("case", "provider").first()
    if plan is None:
        raise Http404
    if write and not may_edit_plan(user, plan):
        raise PermissionDenied
    return plan
