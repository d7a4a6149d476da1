"""How a conversation's link changes state: the one table and the one function that applies it.

Rules:
- A link (one per conversation and node) changes state only through ``move(link, event)``,
  whether a person acts (send, accept, decline, withdraw), a message arrives, or consent
  is withdrawn. Nothing else assigns ``Link.status``.
- ``NEW`` is a link not yet stored: it starts with ``notify`` (a case notification, sent or
  received, or an urgent alert that opens a conversation) or ``offer`` (an offer that
  arrives before its notification).
- ``erase`` is allowed from every stored state but ``erased``: consent can be withdrawn at
  any time, and erasure happens once.
- A move the table does not allow is a ``Conflict`` (409): the state forbids the step now.
  Receive handlers ask ``may`` first and ignore an answer to nothing they wait for.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from trm.lib.refusals import Conflict
from trm.transnational.models import Link, LinkStatus

NEW = ""

# {state: {event: next state}}
TRANSITIONS: dict[str, dict[str, str]] = {
    NEW: {"notify": LinkStatus.NOTIFIED, "offer": LinkStatus.OFFERED},
    LinkStatus.NOTIFIED: {"offer": LinkStatus.OFFERED, "withdraw": LinkStatus.WITHDRAWN, "erase": LinkStatus.ERASED},
    LinkStatus.OFFERED: {
        "accept": LinkStatus.ACCEPTED,
        "decline": LinkStatus.DECLINED,
        "withdraw": LinkStatus.WITHDRAWN,
        "erase": LinkStatus.ERASED,
    },
    LinkStatus.ACCEPTED: {"withdraw": LinkStatus.WITHDRAWN, "erase": LinkStatus.ERASED},
    LinkStatus.DECLINED: {"erase": LinkStatus.ERASED},
    LinkStatus.WITHDRAWN: {"erase": LinkStatus.ERASED},
    LinkStatus.ERASED: {},
}

# States in which the conversation takes no more messages.
CLOSED = frozenset({LinkStatus.DECLINED, LinkStatus.WITHDRAWN, LinkStatus.ERASED})


def may(link: Link, event: str) -> bool:
    """Whether the table allows ``event`` in the link's current state."""
    return event in TRANSITIONS[link.status or NEW]


def move(link: Link, event: str) -> str:
    """Apply ``event`` to the link (in memory; the caller saves ``status``); returns the new state.

    Raises ``Conflict`` when the table does not allow it.
    """
    nxt = TRANSITIONS[link.status or NEW].get(event)
    if nxt is None:
        raise Conflict(
            _("This referral is %(status)s: it cannot be %(event)s now.")
            % {"status": link.get_status_display() if link.status else _("new"), "event": event},
            code="state",
        )
    link.status = nxt
    return nxt
