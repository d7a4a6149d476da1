"""The identification procedure as a state machine (domain brief §8.2).

Rules:
- A case starts DETECTED. A screening (screening.record_screening) moves it to SCREENED; it
  can be repeated until the case is referred. A screening is advice, never the decision.
- Whoever manages the case refers it to a competent authority (RG_PENDING). An adult must
  have consented to referral for identification to that authority; children skip the
  consent gate. An adult who refuses consent can be notified anonymously instead
  (ANONYMOUS), and referred later if they consent.
- Only the competent authority the case is routed to (Cap.DECIDE_IDENTIFICATION) takes the
  reasonable-grounds and the formal (conclusive) decisions, and reconsiders them.
- Positive reasonable grounds start the recovery and reflection period (or formal
  identification does, where the jurisdiction says so: deadlines.Rules.reflection_starts).
- Where the jurisdiction says so, no formal decision is taken before the reflection period ends.
- IDENTIFIED is final for the procedure; the case itself goes on (support, closure).
- A child is referred by default, even on weak signs: "no referral" (NO_INDICATORS) on a
  child's case is taken only by the competent authority of the case or the NRM focal point
  (CHILD_NO_REFERRAL), never by a first responder, and needs recorded reasons. Steps for adults
  only (ADULTS_ONLY: the anonymous notification of an adult who does not consent) are neither
  offered nor allowed on a child's case.

Every change goes through decide(), which checks the actor (check(): 404 for a case they may
not see, 403 for a step they may not take), the state against TRANSITIONS (TransitionError, a
Conflict: 409), the input (ValidationError: 400), and writes a Decision row and the audit entry
in one transaction. Pages and the API offer a step when may() says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import deadlines, tasks
from trm.cases.access import MANAGE_REFUSED, can_decide, can_manage, check_actor, is_competent_authority
from trm.cases.models import Case, Decision, LegalTest
from trm.cases.models import IdentificationState as S
from trm.lib.refusals import Conflict
from trm.vocab.htcds import DecisionMakingOrg, TraffickingStatus

SCREEN = "screen"
NO_INDICATORS = "no_indicators"
REFER = "refer"
NOTIFY_ANONYMOUSLY = "notify_anonymously"
RG_POSITIVE = "rg_positive"
RG_NEGATIVE = "rg_negative"
CG_POSITIVE = "cg_positive"
CG_NEGATIVE = "cg_negative"
RECONSIDER = "reconsider"

# {state: {event: next_state}}: the only moves there are.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.DETECTED: {SCREEN: S.SCREENED},
    S.SCREENED: {
        SCREEN: S.SCREENED,
        NO_INDICATORS: S.NOT_INDICATED,
        REFER: S.RG_PENDING,
        NOTIFY_ANONYMOUSLY: S.ANONYMOUS,
    },
    S.NOT_INDICATED: {SCREEN: S.SCREENED, REFER: S.RG_PENDING},
    S.ANONYMOUS: {REFER: S.RG_PENDING},
    S.RG_PENDING: {RG_POSITIVE: S.RG_POSITIVE, RG_NEGATIVE: S.RG_NEGATIVE},
    S.RG_NEGATIVE: {RECONSIDER: S.RG_PENDING},
    S.RG_POSITIVE: {CG_POSITIVE: S.IDENTIFIED, CG_NEGATIVE: S.NOT_IDENTIFIED},
    S.NOT_IDENTIFIED: {RECONSIDER: S.RG_POSITIVE},
    S.IDENTIFIED: {},
}

# Who may take each step: "manage" (whoever manages the case) or "decide" (competent authority).
ACTOR: dict[str, str] = {
    SCREEN: "manage",
    NO_INDICATORS: "manage",
    REFER: "manage",
    NOTIFY_ANONYMOUSLY: "manage",
    RG_POSITIVE: "decide",
    RG_NEGATIVE: "decide",
    CG_POSITIVE: "decide",
    CG_NEGATIVE: "decide",
    RECONSIDER: "decide",
}

# Steps that make sense only for an adult: never offered on a child's case, refused (409) there.
ADULTS_ONLY = frozenset({NOTIFY_ANONYMOUSLY})

LEGAL_TEST: dict[str, str] = {
    SCREEN: LegalTest.SCREENING,
    NO_INDICATORS: LegalTest.SCREENING,
    REFER: LegalTest.NONE,
    NOTIFY_ANONYMOUSLY: LegalTest.NONE,
    RG_POSITIVE: LegalTest.REASONABLE_GROUNDS,
    RG_NEGATIVE: LegalTest.REASONABLE_GROUNDS,
    CG_POSITIVE: LegalTest.CONCLUSIVE,
    CG_NEGATIVE: LegalTest.CONCLUSIVE,
    RECONSIDER: LegalTest.NONE,
}

# The HTCDS trafficking status that each state maps to (for exports and exchange).
HTCDS_STATUS: dict[str, str] = {
    S.DETECTED: TraffickingStatus.POSSIBLE,
    S.SCREENED: TraffickingStatus.POSSIBLE,
    S.NOT_INDICATED: TraffickingStatus.POSSIBLE,
    S.ANONYMOUS: TraffickingStatus.POSSIBLE,
    S.RG_PENDING: TraffickingStatus.POSSIBLE,
    S.RG_POSITIVE: TraffickingStatus.POSSIBLE,
    S.RG_NEGATIVE: TraffickingStatus.NOT_A_VICTIM,
    S.IDENTIFIED: TraffickingStatus.ACTUAL,
    S.NOT_IDENTIFIED: TraffickingStatus.NOT_A_VICTIM,
}


def event_labels() -> dict[str, str]:
    return {
        SCREEN: _("Screening"),
        NO_INDICATORS: _("Closed screening: no indicators"),
        REFER: _("Referred to the competent authority"),
        NOTIFY_ANONYMOUSLY: _("Anonymous notification"),
        RG_POSITIVE: _("Reasonable grounds: positive"),
        RG_NEGATIVE: _("Reasonable grounds: negative"),
        CG_POSITIVE: _("Formally identified"),
        CG_NEGATIVE: _("Not identified"),
        RECONSIDER: _("Decision reconsidered"),
    }


class TransitionError(Conflict):
    """The case's state forbids the step now (closed, not from this state, reflection running): a 409."""


REFUSED: dict[str, Any] = {
    "decide": gettext_lazy("Only the competent authority the case is routed to may take this decision."),
    "manage": MANAGE_REFUSED,
    "child_no_referral": gettext_lazy(
        "A child with any indicator is referred. Only the competent authority or the NRM focal point "
        "may decide, with reasons, that a child is not referred."
    ),
}


def may_decide_child_no_referral(user: Any, case: Case) -> bool:
    """Who may decide that a child is not referred: the focal point, or the competent authority
    of the case (never a first responder)."""
    if user.can(Cap.ROUTE_CASES) and can_manage(user, case):
        return True
    return bool(can_decide(user, case))


def _child_no_referral(event: str, case: Case) -> bool:
    return event == NO_INDICATORS and case.is_child


def allowed_events(case: Case) -> list[str]:
    return list(TRANSITIONS.get(case.state, {}))


def _actor_may(event: str, user: Any, case: Case) -> bool:
    if _child_no_referral(event, case):
        return may_decide_child_no_referral(user, case)
    if ACTOR[event] == "decide":
        return bool(can_decide(user, case))
    return bool(can_manage(user, case))


def may(event: str, user: Any, case: Case) -> bool:
    """Whether to offer the step (the user already sees the case): check() would let it through."""
    if case.is_child and event in ADULTS_ONLY:
        return False
    return case.is_open and event in TRANSITIONS.get(case.state, {}) and _actor_may(event, user, case)


def check(event: str, user: Any, case: Case) -> None:
    """Refuse the step unless this user may take it on this case now: 404/403 for the actor, then 409."""
    if event not in ACTOR:
        raise ValidationError({"event": ValidationError(_("Unknown step."), code="unknown_event")})
    refused = REFUSED["child_no_referral"] if _child_no_referral(event, case) else REFUSED[ACTOR[event]]
    check_actor(user, case, allowed=_actor_may(event, user, case), refused=refused)
    if not case.is_open:
        raise TransitionError(_("The case is closed."), code="closed")
    if case.is_child and event in ADULTS_ONLY:
        raise TransitionError(
            _("Children skip the consent gate: refer the child's case to the competent authority."), code="child"
        )
    if event not in TRANSITIONS.get(case.state, {}):
        raise TransitionError(
            _("This step is not possible now: the case is “%(state)s”.") % {"state": case.get_state_display()},
            code="invalid_transition",
        )


def allowed_events_for(user: Any, case: Case) -> list[str]:
    """The steps this user may take on this case now (for showing forms)."""
    # Screening is recorded through screening.record_screening, not as a bare step.
    return [event for event in allowed_events(case) if event != SCREEN and may(event, user, case)]


def decisions_for(user: Any, case: Case) -> list[str]:
    """The decisions of the competent authority this user may take on this case now."""
    return [event for event in allowed_events_for(user, case) if ACTOR[event] == "decide"]


def _check_date(case: Case, decided_on: dt.date) -> None:
    if decided_on > timezone.localdate():
        raise ValidationError(
            {"decided_on": ValidationError(_("A decision cannot be dated in the future."), code="future_date")}
        )
    if decided_on < case.detected_on:
        raise ValidationError(
            {
                "decided_on": ValidationError(
                    _("A decision cannot be dated before the detection."), code="before_detection"
                )
            }
        )


@transaction.atomic
def decide(
    case: Case,
    *,
    event: str,
    by: Any,
    decided_on: dt.date | None = None,
    reasons: str = "",
    decision_body: str = "",
    to: Any = None,
) -> Decision:
    """Take one step of the procedure, or refuse it with a clear message (and save nothing)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    check(event, by, case)
    next_state = TRANSITIONS[case.state][event]
    day = decided_on or timezone.localdate()
    _check_date(case, day)
    rules = tasks.rules()
    previous = case.decisions.order_by("-created_at", "-id").first()
    fields = ["state"]

    if event == REFER:
        _refer_checks(case, to=to, at=timezone.now())
        case.routed_to_org = to
        case.referred_at = timezone.now()
        fields += ["routed_to_org", "referred_at"]
    if _child_no_referral(event, case) and not reasons.strip():
        raise ValidationError(
            {
                "reasons": ValidationError(
                    _("Say why this child is not referred: a child with any indicator is referred by default."),
                    code="reasons_required",
                )
            }
        )
    if event == CG_POSITIVE and rules.cg_not_before_reflection_end:
        reflection = case.deadlines.open().filter(kind=deadlines.REFLECTION_END).first()
        if reflection is not None and day < reflection.due_on:
            raise TransitionError(
                _("The formal decision may not be taken before the reflection period ends on %(day)s.")
                % {"day": reflection.due_on.isoformat()},
                code="reflection_running",
            )

    decision = Decision(
        case=case,
        event=event,
        from_state=case.state,
        to_state=next_state,
        legal_test=LEGAL_TEST[event],
        decision_body=decision_body or (rules.decision_body if ACTOR[event] == "decide" else ""),
        decided_by=by,
        decided_by_org_id=by.organisation_id,
        decided_on=day,
        reasons=reasons,
        reconsideration_of=previous if event == RECONSIDER else None,
    )
    if decision.decision_body and decision.decision_body not in DecisionMakingOrg.values:
        raise ValidationError(
            {"decision_body": ValidationError(_("Unknown decision-making body."), code="decision_body")}
        )
    decision.full_clean()
    decision.save()
    case.state = next_state
    case.full_clean()
    case.save(update_fields=[*fields, "updated_at"])
    _deadlines_after(case, event, day=day, from_state=decision.from_state, rules=rules)
    record(by, Action.DECIDE, case, fields=fields, note=f"{event}: {decision.from_state}->{next_state}")
    return decision


def _refer_checks(case: Case, *, to: Any, at: dt.datetime) -> None:
    """A case goes only to a competent authority (the same list the referral form offers)."""
    from trm.cases import consent

    if not is_competent_authority(to):
        raise ValidationError(
            {"to": ValidationError(_("Choose a competent authority to refer the case to."), code="no_recipient")}
        )
    if not case.is_child and not consent.covers(case, purpose="identification", recipient_org=to, at=at):
        gap = consent.scope_gap(case, purpose="identification", recipient_org=to, at=at)
        raise TransitionError(
            (f"{gap} " if gap else "")
            + _(
                "The person has not consented to referral for identification to this authority. "
                "Record their consent first, or notify the case anonymously."
            ),
            code="no_consent",
        )


def _deadlines_after(case: Case, event: str, *, day: dt.date, from_state: str, rules: deadlines.Rules) -> None:
    authority = case.routed_to_org
    if event == REFER:
        tasks.open_deadline(case, deadlines.RG_DECISION, start=day, assigned_org=authority)
    elif event in (RG_POSITIVE, RG_NEGATIVE):
        tasks.complete(case, deadlines.RG_DECISION)
    if event == RG_POSITIVE:
        if rules.reflection_starts == "reasonable_grounds":
            tasks.open_deadline(case, deadlines.REFLECTION_END, start=day, assigned_org=authority)
        tasks.open_deadline(case, deadlines.CG_DECISION, start=day, assigned_org=authority)
    elif event in (CG_POSITIVE, CG_NEGATIVE):
        tasks.complete(case, deadlines.CG_DECISION)
        if event == CG_POSITIVE and rules.reflection_starts == "formal_identification":
            tasks.open_deadline(case, deadlines.REFLECTION_END, start=day, assigned_org=authority)
    elif event == RECONSIDER:
        kind = deadlines.RG_DECISION if from_state == S.RG_NEGATIVE else deadlines.CG_DECISION
        tasks.open_deadline(case, kind, start=day, assigned_org=authority)


def refer(case: Case, *, to: Any, by: Any, decided_on: dt.date | None = None) -> Decision:
    """Refer the case to a competent authority for the reasonable-grounds decision."""
    return decide(case, event=REFER, by=by, to=to, decided_on=decided_on)


def notify_anonymously(case: Case, *, by: Any) -> Decision:
    """An adult who does not consent: the case counts, without identifying data going anywhere."""
    return decide(case, event=NOTIFY_ANONYMOUSLY, by=by)
