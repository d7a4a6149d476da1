"""The child pathway: presumption of minority, age assessment, guardian, best interests, tracing.

- Age uncertain and reasons to believe the person is a child: presumed a minor (CETS 10(3),
  Dir. 2011/36 Art. 13(2)) until an age assessment says otherwise; an inconclusive
  assessment keeps the presumption (benefit of the doubt).
- A child case gets a guardian / representative deadline (jurisdiction rule, 15 working
  days by default), completed by the appointment.
- A child's case cannot be closed as returned without a risk and security assessment for
  the return and a best interests determination choosing return (CETS 16(7)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access, deadlines, guardians, tasks
from trm.cases.models import (
    AgeAssessment,
    AgeDecision,
    BestInterests,
    BestInterestsKind,
    Case,
    DurableSolution,
    FamilyTracing,
    GuardianAppointment,
    GuardianKind,
    Person,
    RiskAssessment,
    RiskKind,
)
from trm.lib.refusals import Conflict

ADULT_AGE = 18
AGE_METHODS = ("documents", "interview", "psychosocial", "medical")


def is_minor(person: Person, *, on: dt.date, presumed: bool) -> bool:
    """A child if the date of birth says so, or if the age is uncertain and minority is presumed."""
    age = person.age_on(on)
    if age is not None and not person.age_uncertain:
        return age < ADULT_AGE
    if person.age_uncertain and presumed:
        return True
    return age is not None and age < ADULT_AGE


def _check_day(case: Case, day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future.")})


def become_child_case(case: Case) -> None:
    """Called when a case becomes a child's case: opens the guardian deadline if none is appointed."""
    if case.guardians.filter(ended_on__isnull=True).exists():
        return
    tasks.open_deadline(case, deadlines.CHILD_REPRESENTATIVE, start=case.detected_on, assigned_org=case.owner_org)


@transaction.atomic
def record_age_assessment(
    case: Case,
    *,
    by: Any,
    trigger: str,
    methods: Iterable[str],
    decision: str,
    assessed_on: dt.date,
    min_age: int | None = None,
    max_age: int | None = None,
    benefit_of_doubt: bool = True,
) -> AgeAssessment:
    access.check("record_age_assessment", by, case)
    methods = list(methods)
    if not methods or any(m not in AGE_METHODS for m in methods):
        raise ValidationError({"methods": _("Choose the methods used.")})
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ValidationError({"min_age": _("The lowest age must not exceed the highest.")})
    if decision == AgeDecision.ADULT and min_age is not None and min_age < ADULT_AGE and benefit_of_doubt:
        raise ValidationError(
            {"decision": _("With the benefit of the doubt, the lowest age in the range decides: this is a minor.")}
        )
    _check_day(case, assessed_on, "assessed_on")
    item = AgeAssessment(
        case=case,
        trigger=trigger,
        methods=methods,
        min_age=min_age,
        max_age=max_age,
        benefit_of_doubt=benefit_of_doubt,
        decision=decision,
        assessed_on=assessed_on,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    was_child = case.is_child
    case.is_child = decision in (AgeDecision.MINOR, AgeDecision.INCONCLUSIVE)
    case.presumed_minor = decision == AgeDecision.INCONCLUSIVE
    case.save(update_fields=["is_child", "presumed_minor", "updated_at"])
    if case.is_child and not was_child:
        become_child_case(case)
    if not case.is_child:
        tasks.complete(case, deadlines.CHILD_REPRESENTATIVE)
    record(by, Action.CREATE, case, fields=["age_assessment", "is_child"], note=f"age assessment: {decision}")
    return item


@transaction.atomic
def appoint_guardian(
    case: Case, *, guardian: Any, by: Any, appointed_on: dt.date, kind: str = GuardianKind.GUARDIAN
) -> GuardianAppointment:
    """Appoint a guardian holding an account here (``guardians.appoint`` also takes a person without one)."""
    return guardians.appoint(case, user=guardian, by=by, appointed_on=appointed_on, kind=kind)


@transaction.atomic
def end_guardianship(appointment: GuardianAppointment, *, by: Any, ended_on: dt.date) -> GuardianAppointment:
    appointment = (
        GuardianAppointment.objects.select_for_update(of=("self",)).select_related("case").get(pk=appointment.pk)
    )
    access.check("end_guardianship", by, appointment.case)
    if appointment.ended_on is not None:
        raise Conflict(_("This guardianship has already ended."), code="ended")
    if ended_on < appointment.appointed_on:
        raise ValidationError({"ended_on": _("The end cannot be before the appointment.")})
    appointment.ended_on = ended_on
    appointment.full_clean()
    appointment.save(update_fields=["ended_on"])
    record(by, Action.UPDATE, appointment.case, fields=["guardian"], note="guardianship ended")
    return appointment


@transaction.atomic
def record_best_interests(
    case: Case,
    *,
    by: Any,
    kind: str,
    decided_on: dt.date,
    durable_solution: str = "",
    child_views_heard: bool = False,
    summary: str = "",
) -> BestInterests:
    access.check("record_best_interests", by, case)
    if kind == BestInterestsKind.BID and not durable_solution:
        raise ValidationError({"durable_solution": _("A determination names the durable solution.")})
    _check_day(case, decided_on, "decided_on")
    item = BestInterests(
        case=case,
        kind=kind,
        decided_on=decided_on,
        durable_solution=durable_solution,
        child_views_heard=child_views_heard,
        summary=summary,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["best_interests"], note=f"best interests: {kind}")
    return item


@transaction.atomic
def record_family_tracing(
    case: Case, *, by: Any, status: str, country: str, started_on: dt.date, result: str = ""
) -> FamilyTracing:
    access.check("record_family_tracing", by, case)
    _check_day(case, started_on, "started_on")
    item = FamilyTracing(
        case=case, status=status, country=country, started_on=started_on, result=result, recorded_by=by
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["family_tracing"], note=f"family tracing: {status}")
    return item


def return_blockers(case: Case) -> list[str]:
    """Why a child may not (yet) be returned; empty when the safeguards are in place."""
    if not case.is_child:
        return []
    # Both safeguards in one statement (the case page asks on every read of a child's case).
    found = Case.objects.filter(pk=case.pk).values(
        risk=Exists(RiskAssessment.objects.filter(case=OuterRef("pk"), kind=RiskKind.RETURN_SECURITY)),
        bid=Exists(
            BestInterests.objects.filter(
                case=OuterRef("pk"), kind=BestInterestsKind.BID, durable_solution=DurableSolution.RETURN
            )
        ),
    )[0]
    missing = []
    if not found["risk"]:
        missing.append(_("a risk and security assessment for the return"))
    if not found["bid"]:
        missing.append(_("a best interests determination choosing return"))
    return missing
