"""The verbs of criminal proceedings: open, record what the criminal track knows, move the stage, hearings.

Each verb checks its actor (``access``: 404 off the criminal track, 403 for a step the actor
may not take), the proceeding's state (``stages``: 409), runs in one transaction, calls
``full_clean()`` and writes its audit entry with field names only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.access import signed_in
from trm.accounts.models import Organisation
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import OPEN, can_manage, check_actor, check_state
from trm.cases.models import Case, new_reference
from trm.justice import access, stages
from trm.justice.models import Hearing, HearingKind, Outcome, Proceeding
from trm.justice.refusals import invalid
from trm.lib.refusals import Conflict, Http404, ValidationError

# What the criminal track records on a proceeding (``record``), all content.
CONTENT_FIELDS = (
    "person_role",
    "court",
    "file_reference",
    "court_reference",
    "evidence",
    "assessed_on",
    "protection_needs",
    "measures",
    "representative",
    "legal_aid",
    "non_punishment",
    "non_punishment_offence",
    "testimony_expected",
)


def _locked(proceeding: Proceeding, by: Any) -> Proceeding:
    """The proceeding again, locked; a 404 for anyone who may not read its content."""
    found = access.criminal_proceedings(by).select_for_update(of=("self",)).filter(pk=proceeding.pk).first()
    if found is None:
        raise Http404
    return found


def _open_only(proceeding: Proceeding) -> None:
    if not proceeding.is_open:
        raise Conflict(_("The proceedings are closed."), code="closed")


def locked_read(proceeding: Proceeding, by: Any) -> Proceeding:
    """Locked and readable by ``by`` (404 otherwise), in any stage."""
    return _locked(proceeding, by)


def locked_open(proceeding: Proceeding, by: Any) -> Proceeding:
    """Locked, readable by ``by`` (404) and not closed (409): what every change of content needs."""
    found = _locked(proceeding, by)
    _open_only(found)
    return found


@transaction.atomic
def open_proceeding(
    case: Case,
    *,
    by: Any,
    person_role: str,
    opened_on: dt.date | None = None,
    organisation: Organisation | None = None,
) -> Proceeding:
    """Record that criminal proceedings exist in which the person of ``case`` takes part.

    The criminal track opens them for its own office; a manager of the case names the office
    that holds them (one with law-enforcement members).
    """
    allowed = access.on_criminal_track(by) or bool(can_manage(by, case)) if signed_in(by) else False
    check_actor(by, case, allowed=allowed, refused=_("You may not record proceedings on this case."))
    check_state(case, OPEN)
    if access.on_criminal_track(by):
        organisation = by.organisation
    if organisation is None:
        raise ValidationError({"organisation": [_("Name the office that holds the proceedings.")]})
    if not access.offices().filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": [_("This organisation holds no criminal proceedings.")]})
    today = timezone.localdate()
    opened_on = opened_on or today
    if opened_on > today:
        raise invalid("opened_on", _("The date cannot be in the future."), "future_date")
    proceeding = Proceeding(
        reference=new_reference("PR"),
        case=case,
        organisation=organisation,
        person_role=person_role,
        opened_on=opened_on,
        created_by=by,
    )
    proceeding.full_clean()
    proceeding.save()
    record(by, Action.CREATE, proceeding, fields=["case", "organisation", "person_role", "opened_on"])
    return proceeding


@transaction.atomic
def record_content(proceeding: Proceeding, *, by: Any, **changes: Any) -> Proceeding:
    """Record references, evidence, protection, representation, legal aid or the non-punishment application."""
    proceeding = _locked(proceeding, by)
    _open_only(proceeding)
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    changed = [name for name, value in changes.items() if getattr(proceeding, name) != value]
    for name in changed:
        setattr(proceeding, name, changes[name])
    if changes.get("assessed_on") and changes["assessed_on"] > timezone.localdate():
        raise invalid("assessed_on", _("The date cannot be in the future."), "future_date")
    if proceeding.non_punishment and not proceeding.non_punishment_offence:
        raise ValidationError({"non_punishment_offence": [_("Say which offence was committed under compulsion.")]})
    if not changed:
        return proceeding
    proceeding.full_clean()
    proceeding.save(update_fields=[*changed, "updated_at"])
    record(by, Action.UPDATE, proceeding, fields=changed)
    return proceeding


@transaction.atomic
def advance(proceeding: Proceeding, *, by: Any, event: str, on: dt.date | None = None, outcome: str = "") -> Proceeding:
    """Move the proceeding by ``event`` (``stages.TRANSITIONS``) on the day ``on`` (today if not given).

    The day is kept as the date of the stage (``stage_changed_on``, with ``last_step``): it is the
    date told with the outcome. A step is never dated before the one that came before it.
    """
    proceeding = _locked(proceeding, by)
    if event not in stages.EVENTS:
        raise ValidationError({"event": [_("Unknown step.")]})
    previous = proceeding.stage_changed_on or proceeding.opened_on
    stages.move(proceeding, event)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise invalid("on", _("The date cannot be in the future."), "future_date")
    proceeding.last_step, proceeding.stage_changed_on = event, on
    fields = ["stage", "last_step", "stage_changed_on"]
    if event == "charge":
        proceeding.charged_on = on
        fields.append("charged_on")
    elif event in stages.NEEDS_JUDGMENT:
        if outcome not in (Outcome.CONVICTED, Outcome.ACQUITTED):
            raise ValidationError({"outcome": [_("Say whether the judgment convicts or acquits.")]})
        if proceeding.charged_on is None:
            raise Conflict(_("A judgment needs the date of the charge first."), code="no_charge")
        proceeding.judgment_on, proceeding.outcome = on, outcome
        fields += ["judgment_on", "outcome"]
    elif event == "discontinue":
        proceeding.outcome = Outcome.DISCONTINUED
        fields.append("outcome")
    if not proceeding.is_open:
        proceeding.testimony_expected = False
        fields.append("testimony_expected")
    proceeding.full_clean()
    if on < previous:
        message = _("A step cannot be dated before the previous one (%(day)s).") % {"day": previous.isoformat()}
        raise invalid("on", message, "date_order")
    proceeding.save(update_fields=[*fields, "updated_at"])
    record(by, Action.UPDATE, proceeding, fields=fields, note=event)
    return proceeding


@transaction.atomic
def add_hearing(
    proceeding: Proceeding, *, by: Any, held_on: dt.date, kind: str = HearingKind.HEARING, place: str = ""
) -> Hearing:
    """A date in court; a testimony makes the person expected to testify (the return is flagged)."""
    proceeding = _locked(proceeding, by)
    _open_only(proceeding)
    if held_on < proceeding.opened_on:
        raise invalid("held_on", _("A hearing cannot be dated before the proceedings opened."), "date_order")
    hearing = Hearing(proceeding=proceeding, held_on=held_on, kind=kind, place=place, recorded_by=by)
    hearing.full_clean()
    hearing.save()
    if kind == HearingKind.TESTIMONY and not proceeding.testimony_expected:
        proceeding.testimony_expected = True
        proceeding.save(update_fields=["testimony_expected", "updated_at"])
    record(by, Action.CREATE, proceeding, fields=["hearings"], note=f"hearing {hearing.pk}")
    return hearing


@transaction.atomic
def cancel_hearing(hearing: Hearing, *, by: Any) -> Hearing:
    proceeding = _locked(hearing.proceeding, by)
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk, proceeding=proceeding)
    if hearing.cancelled:
        raise Conflict(_("This hearing was already cancelled."), code="cancelled")
    hearing.cancelled = True
    hearing.save(update_fields=["cancelled"])
    record(by, Action.UPDATE, proceeding, fields=["hearings"], note=f"hearing {hearing.pk} cancelled")
    return hearing
