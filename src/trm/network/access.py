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

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from trm.accounts.access import signed_in
from trm.accounts.models import Viewer
from trm.accounts.roles import Cap
from trm.network.models import (
    ActionItem,
    ActionItemQuerySet,
    CountryUpdate,
    Meeting,
    MeetingQuerySet,
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
        participant.positions.current(timezone.localdate()).filter(country__isnull=False).select_related("country").first()
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
