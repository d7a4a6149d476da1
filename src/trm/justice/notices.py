"""Telling the person what became of the proceedings (Directive 2012/29/EU, Art. 6), here or abroad.

In person (or through her representative) the criminal track records that she was told.
After she returned home, the node tells the node of her country over trm/1: a
``proceeding_outcome`` message (trm/1 §5.26) in each live conversation about her case with
that country, carrying codes and dates only (never a file number, a court or a name), for
the office there to tell her.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.justice import proceedings, stages
from trm.justice.models import Channel, OutcomeNotice, Proceeding
from trm.lib.refusals import ValidationError
from trm.vocab.countries import validate_country


def current_outcome(proceeding: Proceeding) -> tuple[str, dt.date]:
    """The trm/1 outcome code of where the proceeding stands, and the day of the step that brought it there.

    The day is the one given with the step (``stage_changed_on``), never the time of a later edit.
    """
    return stages.outcome_code(proceeding), proceeding.stage_changed_on or proceeding.opened_on


def message_data(proceeding: Proceeding, *, today: dt.date) -> dict[str, Any]:
    """What ``fieldsets.outcome_body`` puts in the message: coded members and dates."""
    code, day = current_outcome(proceeding)
    hearing = proceeding.next_hearing(today)
    return {
        "proceeding_ref": proceeding.reference,
        "stage": proceeding.stage,
        "outcome": code,
        "date": day,
        "person_role": proceeding.person_role,
        "testimony_expected": proceeding.testimony_expected,
        "next_hearing_on": hearing.held_on if hearing is not None else None,
    }


@transaction.atomic
def notify(proceeding: Proceeding, *, by: Any, channel: str, country: str = "") -> OutcomeNotice:
    """Record that the person was told the current outcome; over trm/1, send it to her country's node first."""
    proceeding = proceedings.locked_read(proceeding, by)
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Choose how the person is told.")]})
    today = timezone.localdate()
    code, _day = current_outcome(proceeding)
    if channel == Channel.TRM:
        from trm.transnational import workflows

        country = country or proceeding.case.nationality
        if not country:
            raise ValidationError({"country": [_("Name the country where the person lives now.")]})
        validate_country(country)
        workflows.tell(
            proceeding.case,
            kind="proceeding_outcome",
            country=country,
            data=message_data(proceeding, today=today),
            by=by,
        )
    notice = OutcomeNotice(
        proceeding=proceeding,
        outcome=code,
        channel=channel,
        country=country if channel == Channel.TRM else "",
        told_on=today,
        by=by,
    )
    notice.full_clean()
    notice.save()
    record(by, Action.SEND if channel == Channel.TRM else Action.CREATE, proceeding, fields=["notices"], note=code)
    return notice
