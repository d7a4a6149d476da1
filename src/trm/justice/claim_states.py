"""How a compensation claim moves: the one transition table (docs/justice.md, "Compensation").

Rules:
- a claim starts as a draft; it is filed (with its date), then decided: awarded (with an
  amount) or rejected;
- an awarded claim is paid in one or several payments: ``pay`` keeps it "paid in part"
  while something is unpaid and ``pay_off`` ends it when the payments reach the award;
- an award that will not be paid (the offender is insolvent, the scheme refuses) is
  written off, from awarded or paid in part;
- rejected, paid and written off are final: nothing moves a claim out of them.
``compensation.py`` chooses the event from the facts (a payment that reaches the award is
``pay_off``); this table alone says which event is allowed in which state.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from trm.justice.models.compensation import ClaimStatus
from trm.lib.refusals import Conflict

S = ClaimStatus

TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {"file": S.FILED},
    S.FILED: {"award": S.AWARDED, "reject": S.REJECTED},
    S.AWARDED: {"pay": S.PAID_IN_PART, "pay_off": S.PAID, "write_off": S.WRITTEN_OFF},
    S.PAID_IN_PART: {"pay": S.PAID_IN_PART, "pay_off": S.PAID, "write_off": S.WRITTEN_OFF},
    S.REJECTED: {},
    S.PAID: {},
    S.WRITTEN_OFF: {},
}

ENDED = frozenset(state for state, events in TRANSITIONS.items() if not events)
# States in which an award stands (the gap between awarded and paid is counted).
AWARDED_STATES = frozenset({S.AWARDED, S.PAID_IN_PART, S.PAID, S.WRITTEN_OFF})


def may(status: str, event: str) -> bool:
    return event in TRANSITIONS.get(status, {})


def next_state(status: str, event: str) -> str:
    """The state after ``event``, or a Conflict naming the state that forbids it."""
    if not may(status, event):
        raise Conflict(
            _("A claim in state “%(state)s” cannot take this step.") % {"state": ClaimStatus(status).label},
            code="claim_state",
        )
    return TRANSITIONS[status][event]


def reachable(start: str, goal: str) -> bool:
    """Whether ``goal`` can follow ``start`` through the table (itself included)."""
    seen, todo = {start}, [start]
    while todo:
        for after in TRANSITIONS.get(todo.pop(), {}).values():
            if after not in seen:
                seen.add(after)
                todo.append(after)
    return goal in seen
