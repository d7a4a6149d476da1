"""Migrants and asylum: the person's migration status, and where on the route they were met.

Rules:
- ``Case.migration_status`` is irregular, applicant for international protection, beneficiary
  of international protection, other, or not known; each change is kept (MigrationStatusChange).
- ``Case.asylum_seeker`` follows it: true for an applicant or a beneficiary
  (vocab.migration.PROTECTION_STATUSES). It drives the rule that the person's identity never
  goes to the authorities of their country of origin (transnational kinds and the exchange
  read it), so the two are only ever changed together, here or at detection
  (``status_for_detection``).
- Leaving a protection status (an application withdrawn or finally rejected, protection
  ended) needs a recorded reason: the identity rule stops protecting the person.
- A route encounter is where the person was met on the route: country, place, kind of place
  (border crossing, reception or transit centre, informal camp …) and day; several may be
  recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access
from trm.cases.models import Case, MigrationStatusChange, RouteEncounter
from trm.vocab.migration import PROTECTION_STATUSES, MigrationStatus


def is_protected(status: str) -> bool:
    """Whether this status makes the person an "asylum seeker" for the identity rule."""
    return status in PROTECTION_STATUSES


def status_for_detection(*, migration_status: str, asylum_seeker: bool) -> str:
    """The migration status a detection records, consistent with its asylum flag.

    The flag alone means an applicant; a protection status sets the flag; a flag with a
    status outside protection is refused.
    """
    if migration_status and migration_status not in MigrationStatus.values:
        raise ValidationError(
            {"migration_status": ValidationError(_("Unknown migration status."), code="invalid_choice")}
        )
    if asylum_seeker and not migration_status:
        return MigrationStatus.APPLICANT
    if asylum_seeker and not is_protected(migration_status):
        raise ValidationError(
            {
                "migration_status": ValidationError(
                    _("An applicant for international protection has the status “applicant” or “beneficiary”."),
                    code="inconsistent",
                )
            }
        )
    return migration_status or MigrationStatus.UNKNOWN


@transaction.atomic
def set_migration_status(
    case: Case, *, by: Any, status: str, since: dt.date | None = None, reason: str = ""
) -> MigrationStatusChange:
    """Change the person's migration status (and the asylum flag with it)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.check("set_migration_status", by, case)
    if status not in MigrationStatus.values:
        raise ValidationError({"status": ValidationError(_("Unknown migration status."), code="invalid_choice")})
    if status == case.migration_status:
        raise ValidationError({"status": ValidationError(_("This is already the status."), code="unchanged")})
    since = since or timezone.localdate()
    if since > timezone.localdate():
        raise ValidationError({"since": ValidationError(_("This date is in the future."), code="future_date")})
    leaving = is_protected(case.migration_status) and not is_protected(status)
    if leaving and not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _(
                        "Say why international protection no longer applies: from now on the person's "
                        "identity may be shared with the country of origin."
                    ),
                    code="required",
                )
            }
        )
    change = MigrationStatusChange(
        case=case, status=status, previous=case.migration_status, since=since, reason=reason, recorded_by=by
    )
    change.full_clean()
    change.save()
    case.migration_status = status
    case.asylum_seeker = is_protected(status)
    case.full_clean()
    case.save(update_fields=["migration_status", "asylum_seeker", "updated_at"])
    record(by, Action.UPDATE, case, fields=["migration_status", "asylum_seeker"])
    return change


@transaction.atomic
def record_route_encounter(
    case: Case, *, by: Any, country: str, place_type: str, met_on: dt.date, place: str = ""
) -> RouteEncounter:
    """Record where on the route the person was met."""
    access.check("record_route_encounter", by, case)
    if met_on > timezone.localdate():
        raise ValidationError({"met_on": ValidationError(_("This date is in the future."), code="future_date")})
    dob = case.person.date_of_birth
    if dob is not None and met_on < dob:
        raise ValidationError(
            {"met_on": ValidationError(_("This cannot be before the person's birth."), code="before_birth")}
        )
    item = RouteEncounter(
        case=case, country=country, place=place.strip(), place_type=place_type, met_on=met_on, recorded_by=by
    )
    item.full_clean()
    item.save()
    record(by, Action.CREATE, case, fields=["route_encounter"])
    return item
