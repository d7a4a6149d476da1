"""Who may see and change network data. Views, the API and exports go through here.

The rule:

* The **secretariat** (``Cap.MANAGE_NETWORK``) sees and manages everything.
* A **coordinator with an account** is a directory ``Participant`` linked to the ``User``
  (``Participant.user``) who holds a current position for a country. Such a user sees the
  meetings they are invited to (any attendance row), reads the country updates of those
  meetings, writes the update of their own country for those meetings, and sees their own
  country's action items. They see no directory, no other country's commitments, no nodes.
* Everybody else is refused: ``PermissionDenied`` (403) on the network's pages, and
  ``Http404`` for any single object, so that no id leaks what exists.

A miss is ``Http404``; ``PermissionDenied`` only when the object is visible but not writable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.accounts.access import signed_in
from trm.accounts.models import Viewer
from trm.accounts.roles import Cap
from trm.lib.refusals import Conflict
from trm.network.models import (
    ActionItem,
    ActionItemQuerySet,
    CountryUpdate,
    Meeting,
    MeetingQuerySet,
    MeetingStatus,
    NetworkCountry,
    Participant,
)


def is_secretariat(user: Viewer) -> bool:
    if not signed_in(user):
        return False
    return bool(user.can(Cap.MANAGE_NETWORK))


def participant_for(user: Viewer) -> Participant | None:
    """The directory entry linked to an active, logged-in user, if any."""
    if not signed_in(user):
        return None
    if not user.is_active:
        return None
    return Participant.objects.filter(user=user).select_related("country").first()


def coordinator_country(user: Viewer) -> NetworkCountry | None:
    """The country for which the user's linked participant holds a current position."""
    participant = participant_for(user)
    if participant is None:
        return None
    position = (
        participant.positions.current(timezone.localdate())
        .filter(country__isnull=False)
        .select_related("country")
        .first()
    )
    if position is None:
        return None
    return position.country


def require_secretariat(user: Viewer) -> None:
    if not is_secretariat(user):
        raise PermissionDenied


def require_network_access(user: Viewer) -> None:
    """The network's pages: the secretariat and linked participants; 403 for the rest."""
    if is_secretariat(user):
        return
    if participant_for(user) is None:
        raise PermissionDenied


def visible_meetings(user: Viewer) -> MeetingQuerySet:
    meetings = Meeting.objects.select_related("host_country")
    if is_secretariat(user):
        return meetings
    participant = participant_for(user)
    if participant is None:
        return meetings.none()
    return meetings.filter(attendances__participant=participant).distinct()


def get_meeting_for(user: Viewer, pk: int, *, write: bool = False) -> Meeting:
    meeting = visible_meetings(user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    if write and not is_secretariat(user):
        raise PermissionDenied
    return meeting


def get_participant_for(user: Viewer, pk: int) -> Participant:
    """Directory entries: the secretariat only (others get 404, the directory is not theirs)."""
    if not is_secretariat(user):
        raise Http404
    participant = Participant.objects.filter(pk=pk).first()
    if participant is None:
        raise Http404
    return participant


def get_country_for(user: Viewer, code: str) -> NetworkCountry:
    if not is_secretariat(user):
        raise Http404
    country = NetworkCountry.objects.filter(code=code).first()
    if country is None:
        raise Http404
    return country


def may_write_update(user: Viewer, country: NetworkCountry) -> bool:
    if is_secretariat(user):
        return True
    own = coordinator_country(user)
    return own is not None and own.pk == country.pk


def get_update_for(user: Viewer, meeting_pk: int, code: str, *, write: bool = False) -> tuple[Meeting, NetworkCountry]:
    """The (meeting, country) pair of a country update; the update itself may not exist yet."""
    meeting = get_meeting_for(user, meeting_pk)
    country = NetworkCountry.objects.filter(code=code).first()
    if country is None:
        raise Http404
    if write and not may_write_update(user, country):
        raise PermissionDenied
    return meeting, country


def visible_updates(user: Viewer, meeting: Meeting) -> QuerySet[CountryUpdate]:
    """Updates of a visible meeting; a coordinator sees the others' only once submitted."""
    updates = CountryUpdate.objects.filter(meeting=meeting).select_related("country")
    if is_secretariat(user):
        return updates
    own = coordinator_country(user)
    if own is None:
        return updates.filter(status="submitted")
    return updates.filter(Q(status="submitted") | Q(country=own))


def visible_action_items(user: Viewer) -> ActionItemQuerySet:
    items = ActionItem.objects.select_related("meeting", "owner_country", "owner_organisation")
    if is_secretariat(user):
        return items
    own = coordinator_country(user)
    if own is None:
        return items.none()
    return items.filter(owner_country=own)


def get_action_item_for(user: Viewer, pk: int, *, write: bool = False) -> ActionItem:
    """Seeing an item lets one report progress on it; ``write`` (editing it) is the secretariat's."""
    item = visible_action_items(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    if write and not is_secretariat(user):
        raise PermissionDenied
    return item


# ------------------------------------------------------------------------------------------
# Who may take which step, and in which state of the object.
#
# Every verb of the network app calls check(step, by, obj) before it writes; a page may call
# may(step, user, obj) to decide whether to offer the step. Both read the one STEPS table, and
# the actor rules are the ones the pages and the API applied before (so they answer as before):
#
# | actor rule    | refused with                                                              |
# |---------------|---------------------------------------------------------------------------|
# | secretariat   | 403 for anyone but the secretariat (new entries, nodes, imports)          |
# | directory     | 404 for anyone but the secretariat (a country's or person's entry)        |
# | meeting       | 404 for a meeting the actor does not see, 403 unless the secretariat      |
# | update        | 404 for an unseen meeting, 403 unless the secretariat or that country's   |
# |               | coordinator                                                               |
# | item          | 404 for an action item the actor does not see (progress, status)          |
# | item_edit     | 404 for an unseen item, 403 unless the secretariat                        |
#
# Then the object's state (Conflict, 409). ``by=None`` is the system itself (the demo seed and
# management commands, which have no signed-in user); it is never what a page or the API passes
# (an anonymous request carries an AnonymousUser, which is refused like any other outsider).


@dataclass(frozen=True)
class State:
    """A condition on the object's state, and the refusal when it does not hold."""

    holds: Callable[[Any], bool]
    message: Any
    code: str


def _meeting_of(obj: Any) -> Meeting | None:
    """The meeting a step is about: the object itself, or the meeting it belongs to."""
    if isinstance(obj, Meeting):
        return obj
    # A country update's step has (meeting, country); a session, an attendance, an update: .meeting
    found = obj[0] if isinstance(obj, tuple) else getattr(obj, "meeting", None)
    return found if isinstance(found, Meeting) else None


def _not_cancelled(obj: Any) -> bool:
    meeting = _meeting_of(obj)
    return meeting is None or meeting.status != MeetingStatus.CANCELLED


MEETING_HELD_OR_PLANNED = State(_not_cancelled, gettext_lazy("The meeting is cancelled."), "meeting_cancelled")
POSITION_CURRENT = State(
    lambda p: p.end_date is None, gettext_lazy("This position has already ended."), "position_ended"
)


def _secretariat(user: Viewer, obj: Any) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat may do this."))


def _directory(user: Viewer, obj: Any) -> None:
    if not is_secretariat(user):
        raise Http404


def _meeting(user: Viewer, obj: Any) -> None:
    meeting = _meeting_of(obj)
    if meeting is None or not visible_meetings(user).filter(pk=meeting.pk).exists():
        raise Http404
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat may change a meeting."))


def _update(user: Viewer, obj: Any) -> None:
    meeting, country = obj
    if not visible_meetings(user).filter(pk=meeting.pk).exists():
        raise Http404
    if not may_write_update(user, country):
        raise PermissionDenied(_("You may write only your own country's update."))


def _item(user: Viewer, obj: Any) -> None:
    if not visible_action_items(user).filter(pk=obj.pk).exists():
        raise Http404


def _item_edit(user: Viewer, obj: Any) -> None:
    _item(user, obj)
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the secretariat may change an action item."))


@dataclass(frozen=True)
class Step:
    actor: Callable[[Viewer, Any], None]
    states: tuple[State, ...] = ()


_OPEN_MEETING = (MEETING_HELD_OR_PLANNED,)

STEPS: dict[str, Step] = {
    # directory (directory.py)
    "add_country": Step(_secretariat),
    "update_country": Step(_directory),
    "add_organisation": Step(_secretariat),
    "add_participant": Step(_secretariat),
    "update_participant": Step(_directory),
    "add_position": Step(_directory),
    "end_position": Step(_directory, states=(POSITION_CURRENT,)),
    # meetings (meetings.py); a cancelled meeting may still be edited (to reinstate it)
    "plan_meeting": Step(_secretariat),
    "update_meeting": Step(_meeting),
    "record_minutes": Step(_meeting, states=_OPEN_MEETING),
    "add_session": Step(_meeting, states=_OPEN_MEETING),
    "update_session": Step(_meeting, states=_OPEN_MEETING),
    "invite": Step(_meeting, states=_OPEN_MEETING),
    "register": Step(_meeting, states=_OPEN_MEETING),
    "set_attendance": Step(_meeting, states=_OPEN_MEETING),
    # conclusions and action items (actions.py); the item's own transitions are checked there
    "add_conclusion": Step(_meeting, states=_OPEN_MEETING),
    "add_action_item": Step(_meeting, states=_OPEN_MEETING),
    "change_status": Step(_item),
    "report_progress": Step(_item),
    "update_action_item": Step(_item_edit),
    # country updates (updates.py): the object is (meeting, country)
    "save_update": Step(_update, states=_OPEN_MEETING),
    "attach_node_statistics": Step(_update, states=_OPEN_MEETING),
    # nodes (nodes.py) and the spreadsheet import (imports.py; the object is the meeting
    # everyone is registered for, or None)
    "register_node": Step(_secretariat),
    "update_node": Step(_secretariat),
    "import_participants": Step(_secretariat, states=_OPEN_MEETING),
}


def check_state(obj: Any, *states: State) -> None:
    for state in states:
        if not state.holds(obj):
            raise Conflict(str(state.message), code=state.code)


def check(step: str, user: Viewer | None, obj: Any = None) -> None:
    """Refuse the step unless this user may take it on this object now (actor first, then state)."""
    rule = STEPS[step]
    if user is not None:  # None: the system itself (see above)
        rule.actor(user, obj)
    check_state(obj, *rule.states)


def may(step: str, user: Viewer, obj: Any = None) -> bool:
    """Whether to offer the step: check() would let it through."""
    try:
        check(step, user, obj)
    except (Http404, PermissionDenied, ValidationError):
        return False
    return True
