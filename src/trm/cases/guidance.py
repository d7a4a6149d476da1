"""What the case page says about where a case stands and what comes next.

- STAGES: the identification path as a person reads it (detected → screened → reasonable
  grounds → conclusive → assistance → closure), and stepper() places a case on it from its
  identification state, its support plans and its status. Nothing here changes a case: the
  states and their moves are identification.TRANSITIONS.
- next_step(): what is expected next on the case and from whom, read from the same state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.cases.models import Case
from trm.cases.models import IdentificationState as S

DETECTED, SCREENED, GROUNDS, CONCLUSIVE, ASSISTANCE, CLOSURE = range(6)
STAGES = (
    gettext_lazy("Detected"),
    gettext_lazy("Screened"),
    gettext_lazy("Reasonable grounds"),
    gettext_lazy("Conclusive decision"),
    gettext_lazy("Assistance"),
    gettext_lazy("Closure"),
)

# {identification state: (the last stage reached, its outcome so far)}
WHERE: dict[str, tuple[int, str]] = {
    S.DETECTED: (DETECTED, ""),
    S.SCREENED: (SCREENED, ""),
    S.NOT_INDICATED: (SCREENED, "no_indicators"),
    S.ANONYMOUS: (SCREENED, "anonymous"),
    S.RG_PENDING: (GROUNDS, "pending"),
    S.RG_POSITIVE: (GROUNDS, "positive"),
    S.RG_NEGATIVE: (GROUNDS, "negative"),
    S.IDENTIFIED: (CONCLUSIVE, "positive"),
    S.NOT_IDENTIFIED: (CONCLUSIVE, "negative"),
}


@dataclass(frozen=True)
class Stage:
    label: Any
    state: str  # "done", "current" or "todo"
    note: str = ""


def _notes() -> dict[str, str]:
    return {
        "no_indicators": _("no indicators"),
        "anonymous": _("anonymous notification"),
        "pending": _("awaiting the decision"),
        "positive": _("positive"),
        "negative": _("negative"),
    }


def stepper(case: Case, *, assisted: bool) -> list[Stage]:
    """The six stages with the case placed on them; ``assisted``: a support plan or service has started."""
    stage, outcome = WHERE.get(case.state, (DETECTED, ""))
    pending = outcome == "pending"
    current = stage if pending else stage + 1
    if not case.is_open:
        current = CLOSURE + 1
    notes = _notes()
    out = []
    for i, label in enumerate(STAGES):
        if i < current:
            state = "done"
        elif i == current:
            state = "current"
        else:
            state = "todo"
        note = notes.get(outcome, "") if i == stage else ""
        if i == ASSISTANCE and assisted:
            note = _("under way")
        if i == CLOSURE and not case.is_open:
            note = case.get_closure_reason_display() if case.closure_reason else ""
        out.append(Stage(label=label, state=state, note=note))
    return out


@dataclass(frozen=True)
class NextStep:
    what: str
    who: str


def next_step(case: Case) -> NextStep:
    """What is expected next on the case and from whom (a role or the organisation by name)."""
    manager = str(case.owner_org) if case.owner_org_id else _("the case manager")
    authority = str(case.routed_to_org) if case.routed_to_org_id else _("the competent authority")
    if not case.is_open:
        return NextStep(_("Nothing: the case is closed."), "")
    table: dict[str, tuple[str, str]] = {
        S.DETECTED: (_("Screen the person with an indicator set."), manager),
        S.SCREENED: (
            # A child with any indicator is referred; not referring a child is a decision with reasons.
            _("Refer the child for assessment by the competent authority, through the child's guardian.")
            if case.is_child
            else _(
                "Record the person's consent and refer the case to the competent authority, "
                "or record that no referral is needed."
            ),
            manager,
        ),
        S.NOT_INDICATED: (_("No referral needed. Screen again if new information comes up."), manager),
        S.ANONYMOUS: (_("Refer the case if the person consents later."), manager),
        S.RG_PENDING: (_("Take the reasonable-grounds decision."), authority),
        S.RG_POSITIVE: (
            _("Assistance and the recovery and reflection period; then the conclusive decision."),
            f"{manager} · {authority}" if manager != authority else manager,
        ),
        S.RG_NEGATIVE: (_("Reconsider on new information, or close the case."), authority),
        S.IDENTIFIED: (_("Assistance under a support plan; close the case when it ends."), manager),
        S.NOT_IDENTIFIED: (_("Reconsider on new information, or close the case."), authority),
    }
    what, who = table.get(case.state, ("", manager))
    return NextStep(what, who)
