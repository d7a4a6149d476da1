"""Who may see which criminal proceeding, and the firewall between the criminal track and support.

Two readings of a proceeding:
- its **content** (references, the person's evidence, protection measures, representation,
  the non-punishment application, outcomes, perpetrators): the criminal track only, that is
  a user with ``Cap.CRIMINAL_TRACK`` (law enforcement, prosecution) in the office that holds
  it, or who opened it. Anyone else gets a 404 for its page, its API and its evidence;
- its **summary** (that it exists, its stage, its next hearing): also whoever sees the case
  (``cases.access.visible_cases``), on the case page, the dashboard and the API.

The firewall: support data (risk assessments, which hold health risks; support plans;
referrals to medical, psychological and other services and what they delivered) is never
shown to the criminal track. The one exception is a ``SupportDisclosure`` resting on the
person's consent for the ``criminal_proceedings`` purpose, granted by someone who manages
the case (not by the criminal track itself), audited when granted and on every case page
read under it, and ending with the consent. ``withheld_support`` is what the cases part
asks (``cases.sections.withhold_support``); nothing else decides it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trm.accounts.access import signed_in
from trm.accounts.models import Organisation, Viewer
from trm.accounts.roles import Cap, Role
from trm.cases.access import can_manage, visible_cases
from trm.cases.models import Case, ConsentPurpose
from trm.justice.models import Hearing, Perpetrator, Proceeding, ProceedingQuerySet, SupportDisclosure


def on_criminal_track(user: Viewer | None) -> bool:
    return signed_in(user) and user.can(Cap.CRIMINAL_TRACK)


def _content_scope(user: Viewer | None) -> Q | None:
    if not on_criminal_track(user):
        return None
    assert signed_in(user)  # on_criminal_track says so; mypy does not follow it
    mine = Q(created_by=user)
    if user.organisation_id is not None:
        mine |= Q(organisation_id=user.organisation_id)
    return mine


def criminal_proceedings(user: Viewer | None) -> ProceedingQuerySet:
    """The proceedings whose content the user may read."""
    scope = _content_scope(user)
    if scope is None:
        return Proceeding.objects.none()
    return Proceeding.objects.filter(scope)


def known_proceedings(user: Viewer | None) -> ProceedingQuerySet:
    """The proceedings the user may know of (the summary): the criminal track's, and those on cases they see."""
    if not signed_in(user) or not user.can(Cap.SEE_CASE_DATA):
        return Proceeding.objects.none()
    scope = Q(case__in=visible_cases(user).values("pk"))
    content = _content_scope(user)
    if content is not None:
        scope |= content
    return Proceeding.objects.filter(scope)


def reads_content(user: Viewer | None, proceeding: Proceeding) -> bool:
    return criminal_proceedings(user).filter(pk=proceeding.pk).exists()


def get_proceeding_for(user: Viewer | None, reference: str) -> Proceeding:
    """The proceeding with its content; a 404 for anyone off its criminal track (caseworkers included)."""
    found = criminal_proceedings(user).filter(reference=reference).select_related("case", "organisation").first()
    if found is None:
        raise Http404
    return found


def get_perpetrator_of(proceeding: Proceeding, pk: int) -> Perpetrator:
    """A perpetrator of a proceeding fetched with ``get_proceeding_for``; a 404 for anyone else's."""
    found = proceeding.perpetrators.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_hearing_of(proceeding: Proceeding, pk: int) -> Hearing:
    """A hearing of a proceeding fetched with ``get_proceeding_for``; a 404 for any other."""
    found = proceeding.hearings.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def get_case_for_proceedings(user: Viewer | None, reference: str) -> Case:
    """The case a new proceeding is opened on: whoever sees it (the verb checks who may open)."""
    if not signed_in(user):
        raise Http404
    case = visible_cases(user).filter(reference=reference).first()
    if case is None:
        raise Http404
    return case


def may_open(user: Viewer | None, case: Case) -> bool:
    """The case's managers record that proceedings exist; the criminal track opens them on a case it sees."""
    if not signed_in(user) or not case.is_open:
        return False
    return on_criminal_track(user) or bool(can_manage(user, case))


def offices() -> QuerySet[Organisation]:
    """The organisations that may hold proceedings: active, with an active criminal-track member."""
    return (
        Organisation.objects.active()
        .filter(members__groups__name=Role.LAW_ENFORCEMENT.value, members__is_active=True)
        .distinct()
        .order_by("name")
    )


# ------------------------------------------------------------------------------------------
# The firewall


def active_disclosures(*, at: Any = None) -> QuerySet[SupportDisclosure]:
    """Exceptions in force: not ended, on a consent for criminal proceedings neither withdrawn nor expired."""
    now = at or timezone.now()
    return SupportDisclosure.objects.filter(
        Q(consent__withdrawn_at__isnull=True) | Q(consent__withdrawn_at__gt=now),
        Q(consent__expires_on__isnull=True) | Q(consent__expires_on__gt=timezone.localdate(now)),
        ended_at__isnull=True,
        consent__purpose=ConsentPurpose.CRIMINAL,
        consent__given_at__lte=now,
    )


def withheld_support(user: Viewer | None) -> Any:
    """The cases whose support data is kept from this user (primary keys), or None for no one's.

    Registered with ``cases.sections.withhold_support``: the case page, its timeline and the
    referrals part ask it.
    """
    if not on_criminal_track(user):
        return None
    return Case.objects.exclude(pk__in=active_disclosures().values("case_id")).values("pk")


def disclosed_to_criminal_track(case: Case) -> SupportDisclosure | None:
    return active_disclosures().filter(case=case).first()


def may_disclose(user: Viewer | None, case: Case) -> bool:
    """Who grants the exception: a manager of the case who is not on the criminal track."""
    return signed_in(user) and not on_criminal_track(user) and bool(can_manage(user, case))
