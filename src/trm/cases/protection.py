"""A child on the move: who the child travels with, and where the child lives.

- The child's status is unaccompanied, separated or accompanied (vocab.migration.ChildStatus).
  "Accompanied" needs an accompanying adult recorded who claims to be a parent, the legal
  guardian or the customary caregiver; until that relationship is verified the adult, and the
  status, are flagged on the case page and in the API (``unverified_adults``).
- Each accompanying adult records the relationship claimed, how it was checked and whether it
  was verified. "Verified" needs at least one check other than "not checked yet".
- Care placements form a history (type, place, from, until); at most one is current. A new
  placement ends the current one on the day the new one starts; it may not start before it.

Every verb checks its actor and the case's state (access.STEPS), validates, and audits field
names only, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access
from trm.cases.models import AccompanyingAdult, CarePlacement, Case
from trm.lib.refusals import Conflict
from trm.vocab.migration import CARING_RELATIONSHIPS, ChildStatus, RelationshipCheck


def _not_future(day: dt.date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: ValidationError(_("This date is in the future."), code="future_date")})


def unverified_adults(case: Case) -> list[AccompanyingAdult]:
    """The accompanying adults whose relationship to the child is not verified (flagged)."""
    return [a for a in case.accompanying_adults.all() if not a.verified]


@transaction.atomic
def set_child_status(case: Case, *, status: str, by: Any) -> Case:
    """Record whether the child is unaccompanied, separated or accompanied."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.check("record_child_status", by, case)
    if status not in ChildStatus.values:
        raise ValidationError({"status": ValidationError(_("Choose a status."), code="invalid_choice")})
    if (
        status == ChildStatus.ACCOMPANIED
        and not case.accompanying_adults.filter(relationship__in=CARING_RELATIONSHIPS).exists()
    ):
        raise ValidationError(
            {
                "status": ValidationError(
                    _(
                        "A child is accompanied only by a parent, the legal guardian or the customary "
                        "caregiver: record the accompanying adult first."
                    ),
                    code="no_caregiver",
                )
            }
        )
    case.child_status = status
    case.full_clean()
    case.save(update_fields=["child_status", "updated_at"])
    record(by, Action.UPDATE, case, fields=["child_status"])
    return case


@transaction.atomic
def record_accompanying_adult(
    case: Case,
    *,
    by: Any,
    name: str,
    relationship: str,
    checks: Iterable[str] = (),
    verified: bool = False,
    checked_on: dt.date | None = None,
    note: str = "",
) -> AccompanyingAdult:
    """Record an adult met with the child, the relationship claimed and how it was checked."""
    access.check("record_accompanying_adult", by, case)
    checks = list(dict.fromkeys(checks))
    if any(c not in RelationshipCheck.values for c in checks):
        raise ValidationError({"checks": ValidationError(_("Unknown way of checking."), code="invalid_choice")})
    real_checks = [c for c in checks if c != RelationshipCheck.NOT_CHECKED]
    if verified and not real_checks:
        raise ValidationError(
            {"checks": ValidationError(_("Say how the relationship was verified."), code="verified_unchecked")}
        )
    if verified and checked_on is None:
        raise ValidationError(
            {"checked_on": ValidationError(_("Give the day the relationship was verified."), code="required")}
        )
    _not_future(checked_on, "checked_on")
    if checked_on is not None and checked_on < case.detected_on:
        raise ValidationError(
            {"checked_on": ValidationError(_("The check cannot be before the detection."), code="before_detection")}
        )
    item = AccompanyingAdult(
        case=case,
        name=name.strip(),
        relationship=relationship,
        checks=checks or [RelationshipCheck.NOT_CHECKED],
        verified=verified,
        checked_on=checked_on,
        note=note,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["accompanying_adult"])
    return item


@transaction.atomic
def place_child(case: Case, *, by: Any, type: str, place: str, starts_on: dt.date) -> CarePlacement:
    """Start a care placement; the current one, if any, ends the day this one starts."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.check("place_child", by, case)
    _not_future(starts_on, "starts_on")
    if starts_on < case.detected_on:
        raise ValidationError(
            {"starts_on": ValidationError(_("A placement cannot start before the detection."), code="before_detection")}
        )
    current = case.placements.current().first()
    fields = ["placement"]
    if current is not None:
        if starts_on < current.starts_on:
            raise ValidationError(
                {
                    "starts_on": ValidationError(
                        _("The new placement cannot start before the current one (%(day)s).")
                        % {"day": current.starts_on.isoformat()},
                        code="before_current",
                    )
                }
            )
        current.ends_on = starts_on
        current.full_clean()
        current.save(update_fields=["ends_on"])
        fields.append("previous_placement")
    item = CarePlacement(case=case, type=type, place=place.strip(), starts_on=starts_on, recorded_by=by)
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=fields)
    return item


@transaction.atomic
def end_placement(placement: CarePlacement, *, by: Any, ends_on: dt.date) -> CarePlacement:
    """End the current placement (the child leaves care, comes of age, goes home)."""
    placement = CarePlacement.objects.select_for_update(of=("self",)).select_related("case").get(pk=placement.pk)
    access.check("end_placement", by, placement.case)
    if placement.ends_on is not None:
        raise Conflict(_("This placement has already ended."), code="ended")
    _not_future(ends_on, "ends_on")
    if ends_on < placement.starts_on:
        raise ValidationError(
            {"ends_on": ValidationError(_("A placement cannot end before it starts."), code="before_start")}
        )
    placement.ends_on = ends_on
    placement.full_clean()
    placement.save(update_fields=["ends_on"])
    record(by, Action.UPDATE, placement.case, fields=["placement"])
    return placement
