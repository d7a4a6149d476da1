"""How a proceeding moves: investigation → prosecution → trial → judgment → appeal, as one table.

Rules:
- ``Proceeding.stage`` changes only through ``move(proceeding, event)``; the verb
  ``proceedings.advance`` calls it and records the step, its date and the dates the event needs.
- ``outcome_code`` names where the proceeding stands in trm/1 (§5.26), from its last step:
  ``decide_appeal`` is ``appeal_decided``, ``judge`` the judgment's outcome.
- ``charge`` needs the date of the charge; ``judge`` and ``decide_appeal`` the date of the
  judgment and its outcome (conviction or acquittal), never before the charge.
- ``discontinue`` ends an investigation or a prosecution; ``close`` ends the proceeding after
  a final judgment. ``closed`` takes no event.
- A move the table does not allow is a ``Conflict`` (409).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.justice.models import Proceeding, Stage
from trm.lib.refusals import Conflict

# {stage: {event: next stage}}
TRANSITIONS: dict[str, dict[str, str]] = {
    Stage.INVESTIGATION: {"charge": Stage.PROSECUTION, "discontinue": Stage.CLOSED},
    Stage.PROSECUTION: {"open_trial": Stage.TRIAL, "discontinue": Stage.CLOSED},
    Stage.TRIAL: {"judge": Stage.JUDGMENT},
    Stage.JUDGMENT: {"appeal": Stage.APPEAL, "close": Stage.CLOSED},
    Stage.APPEAL: {"decide_appeal": Stage.JUDGMENT},
    Stage.CLOSED: {},
}

EVENTS = {
    "charge": gettext_lazy("Charges brought"),
    "discontinue": gettext_lazy("Discontinued"),
    "open_trial": gettext_lazy("Trial opened"),
    "judge": gettext_lazy("Judgment"),
    "appeal": gettext_lazy("Appeal lodged"),
    "decide_appeal": gettext_lazy("Appeal decided"),
    "close": gettext_lazy("Closed after a final judgment"),
}

# The trm/1 outcome code (``proceeding_outcome``, §5.26) of each event; a judgment's is its outcome
# (``convicted`` or ``acquitted``), and before any step the proceeding is ``investigation_opened``.
OUTCOME_CODES = {
    "charge": "charged",
    "discontinue": "investigation_discontinued",
    "open_trial": "trial_opened",
    "appeal": "appeal_lodged",
    "decide_appeal": "appeal_decided",
    "close": "closed",
}

NEEDS_JUDGMENT = frozenset({"judge", "decide_appeal"})


def outcome_code(proceeding: Proceeding) -> str:
    """The trm/1 outcome code of the step that brought the proceeding to its stage."""
    if not proceeding.last_step:
        return "investigation_opened"
    if proceeding.last_step == "judge":
        return str(proceeding.outcome)
    return OUTCOME_CODES[proceeding.last_step]


def events_from(stage: str) -> list[str]:
    return list(TRANSITIONS[stage])


def may(proceeding: Proceeding, event: str) -> bool:
    return event in TRANSITIONS[proceeding.stage]


def move(proceeding: Proceeding, event: str) -> str:
    """Apply ``event`` (in memory; the caller saves ``stage``); returns the new stage or raises ``Conflict``."""
    nxt = TRANSITIONS[proceeding.stage].get(event)
    if nxt is None:
        raise Conflict(
            _("The proceedings are at the stage %(stage)s: this step is not possible now.")
            % {"stage": proceeding.get_stage_display()},
            code="stage",
        )
    proceeding.stage = nxt
    return nxt
