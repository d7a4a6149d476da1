"""Guardians as people: who represents a child, whether or not they hold an account here.

A ``Guardian`` is a person (name, organisation, contact: encrypted) appointed to a child's
case by a decision (``GuardianAppointment.decision_ref`` and ``appointed_on``). A guardian
may hold an account on this node (``Guardian.user``, a user with the guardian role): the
appointment then also names the account, which is what lets the guardian see the child's
case (``cases.access``). Linking an account later gives it the guardian's current cases.

A guardian appointed in another country and handed over with the child (trm/1
``guardian_handover``) is recorded by ``record_carried``, without an author here: it names
the country and node it came from, like a carried consent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access, deadlines, tasks
from trm.cases.models import (
    BestInterests,
    BestInterestsKind,
    Case,
    Guardian,
    GuardianAppointment,
    GuardianKind,
    new_reference,
)
from trm.lib.refusals import Conflict, PermissionDenied

PREFIX = "GRD"


def _new_guardian(
    *, name: str, organisation: str = "", contact: str = "", user: Any = None, origin: str = ""
) -> Guardian:
    if not name.strip():
        raise ValidationError({"name": _("Give the guardian's name.")})
    item = Guardian(
        reference=new_reference(PREFIX),
        name=name.strip(),
        organisation=organisation.strip(),
        contact=contact.strip(),
        user=user,
        origin_country=origin,
    )
    item.full_clean()
    item.save()
    return item


def _for_account(user: Any) -> Guardian:
    """The guardian record of an account, made from the account the first time it is appointed."""
    found = Guardian.objects.filter(user=user).first()
    if found is not None:
        return found
    organisation = user.organisation.name if getattr(user, "organisation", None) else ""
    return _new_guardian(name=user.get_full_name() or user.get_username(), organisation=organisation, user=user)


@transaction.atomic
def appoint(
    case: Case,
    *,
    by: Any,
    appointed_on: dt.date,
    kind: str = GuardianKind.GUARDIAN,
    user: Any = None,
    guardian: Guardian | None = None,
    name: str = "",
    organisation: str = "",
    contact: str = "",
    decision_ref: str = "",
) -> GuardianAppointment:
    """Appoint a guardian to a child's case: an account, an existing guardian, or a new person by name.

    Exactly one of ``user`` (a guardian's account), ``guardian`` (a recorded person) or
    ``name`` (with ``organisation`` and ``contact``: a person without an account) names who.
    """
    access.check("appoint_guardian", by, case)
    chosen = [x for x in (user, guardian, name.strip() or None) if x]
    if len(chosen) != 1:
        raise ValidationError(
            {"guardian": _("Choose a guardian's account, or give the name of a guardian without one.")}
        )
    if user is not None and not user.can(Cap.REPRESENT_CHILD):
        raise ValidationError({"guardian": _("This user is not a guardian.")})
    if appointed_on > timezone.localdate():
        raise ValidationError({"appointed_on": _("This date is in the future.")})
    if appointed_on < case.detected_on:
        raise ValidationError({"appointed_on": _("The appointment cannot be before the detection.")})
    if user is not None:
        person = _for_account(user)
    elif guardian is not None:
        person = guardian
    else:
        person = _new_guardian(name=name, organisation=organisation, contact=contact)
    item = GuardianAppointment(
        case=case,
        guardian=person.user,
        person=person,
        kind=kind,
        decision_ref=decision_ref.strip(),
        appointed_on=appointed_on,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    tasks.complete(case, deadlines.CHILD_REPRESENTATIVE)
    fields = ["guardian"] + (["decision_ref"] if item.decision_ref else [])
    record(by, Action.CREATE, case, fields=fields, note=f"guardian appointed: {kind}")
    return item


@transaction.atomic
def link_account(guardian: Guardian, *, user: Any, by: Any) -> Guardian:
    """Link a guardian recorded as a person to their new account; it then sees the guardian's current cases.

    The actor must be able to manage every case the guardian is currently appointed to.
    """
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    if not user.can(Cap.REPRESENT_CHILD):
        raise ValidationError({"user": _("This user is not a guardian.")})
    if guardian.user_id is not None:
        raise Conflict(_("This guardian is already linked to an account."), code="linked")
    if Guardian.objects.filter(user=user).exists():
        raise Conflict(_("This account already belongs to another guardian."), code="taken")
    current = list(guardian.appointments.filter(ended_on__isnull=True).select_related("case"))
    if not current:
        raise PermissionDenied(_("You may not change this guardian."))
    for appointment in current:
        access.check("end_guardianship", by, appointment.case)  # any step of managing the case, closed or not
    guardian.user = user
    guardian.full_clean()
    guardian.save(update_fields=["user"])
    guardian.appointments.filter(ended_on__isnull=True).update(guardian=user)
    record(by, Action.UPDATE, guardian, fields=["user"], note="guardian account linked")
    return guardian


@transaction.atomic
def record_carried(
    case: Case, *, country: str, node: str, guardian: Mapping[str, Any], best_interests: Mapping[str, Any], ref: str
) -> tuple[GuardianAppointment, BestInterests]:
    """Record against ``case`` a guardian and a best-interests record handed over by another country.

    Run by the node itself on arrival (no person here recorded them). The values come from a
    message whose schema the exchange checked; the model's checks run again. Audited with
    field names only.
    """
    if not case.is_child:
        raise Conflict(_("Only a child's case receives a guardian."), code="not_child")
    person = _new_guardian(
        name=str(guardian["name"]),
        organisation=str(guardian.get("organisation", "")),
        contact=str(guardian.get("contact", "")),
        origin=country,
    )
    appointment = GuardianAppointment(
        case=case,
        person=person,
        kind=str(guardian["kind"]),
        decision_ref=str(guardian.get("decision_ref", "")),
        appointed_on=dt.date.fromisoformat(str(guardian["appointed_on"])),
        origin_country=country,
        origin_node=node,
    )
    appointment.full_clean()
    appointment.save()
    bi = BestInterests(
        case=case,
        kind=str(best_interests["kind"]),
        decided_on=dt.date.fromisoformat(str(best_interests["decided_on"])),
        durable_solution=str(best_interests.get("durable_solution", "")),
        child_views_heard=bool(best_interests.get("child_views_heard", False)),
        summary=str(best_interests.get("summary", "")),
        origin_country=country,
        origin_node=node,
        origin_ref=ref[:64],
    )
    bi.full_clean()
    bi.save()
    record(None, Action.CREATE, case, fields=["guardian", "best_interests"], note=f"handed over from {country}")
    return appointment, bi


def current(case: Case) -> GuardianAppointment | None:
    """The child's current guardian appointment (the latest not ended), or None."""
    return (
        GuardianAppointment.objects.filter(case=case, ended_on__isnull=True)
        .select_related("person", "guardian")
        .order_by("-appointed_on", "-id")
        .first()
    )


def latest_best_interests(case: Case) -> BestInterests | None:
    """The best-interests basis of a hand-over: the latest determination, else the latest assessment."""
    rows = BestInterests.objects.filter(case=case).order_by("-decided_on", "-id")
    determination = rows.filter(kind=BestInterestsKind.BID).first()
    return determination or rows.first()
