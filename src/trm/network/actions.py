"""Conclusions and action items, carried from meeting to meeting until done.

Action item lifecycle (the only place it is decided):

* ``open`` → ``in_progress`` → ``done``; ``open``/``in_progress`` → ``dropped`` (the network
  decided not to pursue it); a ``done`` or ``dropped`` item can be ``reopened``.
* Every status change and every progress report is an ``ActionNote`` (with the meeting at
  which it was reported, if any), so the follow-up history of an item reads like minutes.
* An open item agreed at an earlier meeting appears on every later meeting's follow-up list
  (``ActionItem.objects.carried_to(meeting)``) until it is done or dropped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.audit.events import Action
from trm.audit.record import record
from trm.lib.changes import apply_changes
from trm.lib.refusals import Conflict
from trm.network import access
from trm.network.models import (
    ActionItem,
    ActionItemQuerySet,
    ActionNote,
    ActionStatus,
    Conclusion,
    Meeting,
    NetworkCountry,
    PartnerOrganisation,
)

S = ActionStatus
TRANSITIONS: dict[str, dict[str, str]] = {
    S.OPEN: {"start": S.IN_PROGRESS, "complete": S.DONE, "drop": S.DROPPED},
    S.IN_PROGRESS: {"complete": S.DONE, "drop": S.DROPPED},
    S.DONE: {"reopen": S.OPEN},
    S.DROPPED: {"reopen": S.OPEN},
}
EVENT_FOR_STATUS = {S.IN_PROGRESS: "start", S.DONE: "complete", S.DROPPED: "drop", S.OPEN: "reopen"}


@transaction.atomic
def add_conclusion(meeting: Meeting, *, text: str, by: User, order: int | None = None) -> Conclusion:
    access.check("add_conclusion", by, meeting)
    if order is None:
        order = (meeting.conclusions.aggregate(m=Max("order"))["m"] or 0) + 1
    conclusion = Conclusion(meeting=meeting, text=text.strip(), order=order)
    conclusion.full_clean()
    conclusion.save(force_insert=True)
    record(by, Action.CREATE, conclusion, fields=["text", "order"])
    return conclusion


@transaction.atomic
def add_action_item(
    meeting: Meeting,
    *,
    description: str,
    by: User,
    owner_country: NetworkCountry | None = None,
    owner_organisation: PartnerOrganisation | None = None,
    due_date: date | None = None,
    conclusion: Conclusion | None = None,
) -> ActionItem:
    """Agree an action at ``meeting``; it may not fall due before the meeting starts."""
    access.check("add_action_item", by, meeting)
    if conclusion is not None and conclusion.meeting_id != meeting.pk:
        raise ValidationError({"conclusion": _("The conclusion belongs to another meeting.")})
    if due_date is not None and due_date < meeting.start_date:
        raise ValidationError({"due_date": _("The due date cannot be before the meeting at which it is agreed.")})
    item = ActionItem(
        meeting=meeting,
        description=description.strip(),
        owner_country=owner_country,
        owner_organisation=owner_organisation,
        due_date=due_date,
        conclusion=conclusion,
    )
    item.full_clean()
    item.save(force_insert=True)
    record(by, Action.CREATE, item, fields=["description", "owner", "due_date", "conclusion"])
    return item


@transaction.atomic
def change_status(
    item: ActionItem, *, event: str, by: User, note: str = "", at_meeting: Meeting | None = None
) -> ActionItem:
    """Move an item through TRANSITIONS; an event not allowed from its status is a Conflict."""
    access.check("change_status", by, item)
    if event not in EVENT_FOR_STATUS.values():
        raise ValidationError({"event": ValidationError(_("Unknown event."), code="invalid_choice")})
    allowed = TRANSITIONS[item.status]
    if event not in allowed:
        raise Conflict(_("This change is not possible for an item in this state."), code="bad_transition")
    old = item.status
    item.status = allowed[event]
    fields = ["status"]
    if item.status in (S.DONE, S.DROPPED) and at_meeting is not None:
        item.closed_at_meeting = at_meeting
        fields.append("closed_at_meeting")
    if item.status == S.OPEN:
        item.closed_at_meeting = None
        fields.append("closed_at_meeting")
    item.full_clean()
    item.save(update_fields=fields)
    ActionNote.objects.create(item=item, meeting=at_meeting, status=item.status, text=note.strip(), by=_user(by))
    record(by, Action.UPDATE, item, fields=fields, note=f"{old}->{item.status}")
    return item


@transaction.atomic
def report_progress(item: ActionItem, *, text: str, by: User, at_meeting: Meeting | None = None) -> ActionNote:
    access.check("report_progress", by, item)
    if not text.strip():
        raise ValidationError({"text": _("Say what progress was made.")})
    note = ActionNote(item=item, meeting=at_meeting, status=item.status, text=text.strip(), by=_user(by))
    note.full_clean(exclude=["by"])
    note.save(force_insert=True)
    record(by, Action.CREATE, note, fields=["text"])
    return note


@transaction.atomic
def update_action_item(item: ActionItem, *, by: User, **changes: Any) -> ActionItem:
    access.check("update_action_item", by, item)
    allowed = ("description", "owner_country", "owner_organisation", "due_date", "conclusion")
    changed = apply_changes(item, changes, allowed)
    if item.due_date is not None and item.due_date < item.meeting.start_date:
        raise ValidationError({"due_date": _("The due date cannot be before the meeting at which it is agreed.")})
    if changed:
        item.full_clean()
        item.save(update_fields=changed)
        record(by, Action.UPDATE, item, fields=changed)
    return item


def open_commitments_by_country(items: ActionItemQuerySet) -> list[tuple[NetworkCountry, list[ActionItem]]]:
    """Open items grouped by owner country (countries in name order)."""
    grouped: dict[int, list[ActionItem]] = defaultdict(list)
    countries: dict[int, NetworkCountry] = {}
    for item in items.open().filter(owner_country__isnull=False).order_by("due_date", "pk"):
        country = item.owner_country
        if country is None:  # excluded by the filter
            continue
        grouped[country.pk].append(item)
        countries[country.pk] = country
    return sorted(((countries[pk], rows) for pk, rows in grouped.items()), key=lambda pair: pair[0].name)


def _user(by: User) -> User | None:
    return by if getattr(by, "is_authenticated", False) else None
