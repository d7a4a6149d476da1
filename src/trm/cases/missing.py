"""A person going missing: the episode, its urgent workflow, and the hooks other parts use.

Rules:
- An episode records when and where the person was last seen, the circumstances and the police
  report reference; it ends when the person is found (when, where, in what condition).
- One open episode per case (a second is a Conflict, 409). A "found" before the person was last
  seen, or in the future, is refused (400, nothing stored) and the refusal is audited.
- Recording an episode starts the urgent workflow: deadlines counted in hours from that moment
  (the jurisdiction's ``missing_*_hours``, deadlines.py), shown first on the dashboard:
  report to the police (done when the police report is recorded), inform the child's guardian
  (children only), review the search (hotline, alerts along the route). Being found completes
  them all.
- The steps of the search and the finding are the transition table below; nothing else moves
  an episode.

Hooks (registered in AppConfig.ready by other parts; this module imports none of them):
- ``register_offer(factory)``: ``factory(request, episode) -> Offer | None`` adds an action to an
  open episode on the case page (e.g. "Send a route alert"); the factory checks its own access.
- ``on_opened(hook)`` / ``on_found(hook)``: ``hook(episode, by)`` runs in the verb's transaction
  when an episode is recorded or closed by a finding (e.g. to tell the countries alerted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.audit.events import Action
from trm.audit.record import record
from trm.audit.refusals import record_refusal
from trm.cases import access, deadlines, tasks
from trm.cases.models import Case, MissingEpisode
from trm.lib.refusals import Conflict

OPEN = "open"
FOUND = "found"

REPORT_TO_POLICE = "report_to_police"
INFORM_GUARDIAN = "inform_guardian"
REVIEW_SEARCH = "review_search"
RECORD_FOUND = "found"

# {state: {step: next_state}}: the only moves of an episode.
TRANSITIONS: dict[str, dict[str, str]] = {
    OPEN: {REPORT_TO_POLICE: OPEN, INFORM_GUARDIAN: OPEN, REVIEW_SEARCH: OPEN, RECORD_FOUND: FOUND},
    FOUND: {},
}

# The deadline each step of the search completes.
STEP_DEADLINE: dict[str, str] = {
    REPORT_TO_POLICE: deadlines.MISSING_POLICE,
    INFORM_GUARDIAN: deadlines.MISSING_GUARDIAN,
    REVIEW_SEARCH: deadlines.MISSING_REVIEW,
}
# Steps recorded as done without other data (the police report has its reference).
PLAIN_STEPS = (INFORM_GUARDIAN, REVIEW_SEARCH)

STEP_LABELS = {
    REPORT_TO_POLICE: gettext_lazy("Reported to the police"),
    INFORM_GUARDIAN: gettext_lazy("Guardian / representative informed"),
    REVIEW_SEARCH: gettext_lazy("Search reviewed"),
}


def state_of(episode: MissingEpisode) -> str:
    return OPEN if episode.found_at is None else FOUND


def _check_step(episode: MissingEpisode, step: str) -> None:
    if step not in TRANSITIONS[state_of(episode)]:
        raise Conflict(_("The person has been found: this episode is closed."), code="episode_closed")


# ------------------------------------------------------------------------------------------
# Hooks


@dataclass(frozen=True)
class Offer:
    """An action another part offers on an open episode: a link (GET) or a button (POST)."""

    label: Any
    url: str
    method: str = "get"
    help: Any = ""


OfferFactory = Callable[[HttpRequest, MissingEpisode], "Offer | None"]
EpisodeHook = Callable[[MissingEpisode, Any], None]
_offers: list[OfferFactory] = []
_opened_hooks: list[EpisodeHook] = []
_found_hooks: list[EpisodeHook] = []


def register_offer(factory: OfferFactory) -> OfferFactory:
    if factory not in _offers:
        _offers.append(factory)
    return factory


def offers_for(request: HttpRequest, episode: MissingEpisode) -> list[Offer]:
    """What other parts offer on this episode (nothing once the person is found)."""
    if not episode.is_open:
        return []
    return [o for o in (f(request, episode) for f in _offers) if o is not None]


def on_opened(hook: EpisodeHook) -> EpisodeHook:
    if hook not in _opened_hooks:
        _opened_hooks.append(hook)
    return hook


def on_found(hook: EpisodeHook) -> EpisodeHook:
    if hook not in _found_hooks:
        _found_hooks.append(hook)
    return hook


# ------------------------------------------------------------------------------------------
# Verbs


@contextmanager
def _audited(by: Any, case: Case, what: str, fields: list[str]) -> Iterator[None]:
    """Audit bad input (400) after the verb's transaction rolled back; 403/404/409 are audited
    by the page's and the API's refusal handling."""
    try:
        yield
    except Conflict:
        raise
    except ValidationError as exc:
        codes = [e.code or "invalid" for errors in getattr(exc, "error_dict", {}).values() for e in errors]
        record_refusal(None, status=400, user=by, obj=case, fields=fields, note=f"{what}: {','.join(codes)}")
        raise


def _not_future(at: dt.datetime | None, field: str) -> None:
    if at is not None and at > timezone.now():
        raise ValidationError({field: ValidationError(_("This moment is in the future."), code="future")})


def record_missing(
    case: Case,
    *,
    by: Any,
    last_seen_at: dt.datetime,
    last_seen_place: str,
    circumstances: str = "",
    police_report_ref: str = "",
    police_notified_at: dt.datetime | None = None,
) -> MissingEpisode:
    """Record that the person has gone missing, and start the urgent workflow."""
    fields = ["last_seen_at", "last_seen_place", "circumstances", "police_report_ref", "police_notified_at"]
    with _audited(by, case, "record_missing", fields):
        return _record_missing(
            case,
            by=by,
            last_seen_at=last_seen_at,
            last_seen_place=last_seen_place,
            circumstances=circumstances,
            police_report_ref=police_report_ref,
            police_notified_at=police_notified_at,
        )


@transaction.atomic
def _record_missing(
    case: Case,
    *,
    by: Any,
    last_seen_at: dt.datetime,
    last_seen_place: str,
    circumstances: str,
    police_report_ref: str,
    police_notified_at: dt.datetime | None,
) -> MissingEpisode:
    case = Case.objects.select_for_update().get(pk=case.pk)
    access.check("record_missing", by, case)
    if case.missing_episodes.open().exists():
        raise Conflict(_("The person is already recorded as missing: record the finding first."), code="open")
    _not_future(last_seen_at, "last_seen_at")
    if timezone.localdate(last_seen_at) < case.detected_on:
        raise ValidationError(
            {"last_seen_at": ValidationError(_("Last seen cannot be before the detection."), code="before_detection")}
        )
    police_report_ref = police_report_ref.strip()
    if police_report_ref and police_notified_at is None:
        police_notified_at = timezone.now()
    _check_police(last_seen_at, police_notified_at)
    now = timezone.now()
    episode = MissingEpisode(
        case=case,
        last_seen_at=last_seen_at,
        last_seen_place=last_seen_place.strip(),
        circumstances=circumstances,
        police_report_ref=police_report_ref,
        police_notified_at=police_notified_at,
        recorded_by=by,
        created_at=now,
    )
    episode.full_clean()
    episode.save()
    _open_workflow(case, episode, now=now)
    for hook in _opened_hooks:
        hook(episode, by)
    record(by, Action.CREATE, case, fields=["missing_episode", *(["police_report_ref"] if police_report_ref else [])])
    return episode


def _open_workflow(case: Case, episode: MissingEpisode, *, now: dt.datetime) -> None:
    rules = tasks.rules()
    kinds = [deadlines.MISSING_REVIEW]
    if not episode.police_report_ref:
        kinds.append(deadlines.MISSING_POLICE)
    if case.is_child:
        kinds.append(deadlines.MISSING_GUARDIAN)
    for kind in kinds:
        tasks.open_deadline(
            case,
            kind,
            start=timezone.localdate(now),
            due_at=deadlines.due_at(kind, start=now, rules=rules),
            assigned_org=case.owner_org,
        )


def _check_police(last_seen_at: dt.datetime, notified_at: dt.datetime | None) -> None:
    _not_future(notified_at, "police_notified_at")
    if notified_at is not None and notified_at < last_seen_at:
        raise ValidationError(
            {
                "police_notified_at": ValidationError(
                    _("The police cannot have been told before the person was last seen."), code="before_last_seen"
                )
            }
        )


def _episode_for_update(episode: MissingEpisode) -> MissingEpisode:
    return MissingEpisode.objects.select_for_update(of=("self",)).select_related("case").get(pk=episode.pk)


def record_police_report(
    episode: MissingEpisode, *, by: Any, reference: str, notified_at: dt.datetime | None = None
) -> MissingEpisode:
    """Record the police report (its reference): completes the "report to the police" deadline."""
    with _audited(by, episode.case, "missing_police_report", ["police_report_ref", "police_notified_at"]):
        return _record_police_report(episode, by=by, reference=reference, notified_at=notified_at)


@transaction.atomic
def _record_police_report(
    episode: MissingEpisode, *, by: Any, reference: str, notified_at: dt.datetime | None
) -> MissingEpisode:
    episode = _episode_for_update(episode)
    access.check("missing_step", by, episode.case)
    _check_step(episode, REPORT_TO_POLICE)
    reference = reference.strip()
    if not reference:
        raise ValidationError(
            {"police_report_ref": ValidationError(_("Give the police report reference."), code="required")}
        )
    notified_at = notified_at or timezone.now()
    _check_police(episode.last_seen_at, notified_at)
    episode.police_report_ref = reference
    episode.police_notified_at = notified_at
    episode.full_clean()
    episode.save(update_fields=["police_report_ref", "police_notified_at"])
    tasks.complete(episode.case, deadlines.MISSING_POLICE)
    record(by, Action.UPDATE, episode.case, fields=["police_report_ref", "police_notified_at"])
    return episode


@transaction.atomic
def complete_step(episode: MissingEpisode, *, by: Any, step: str) -> MissingEpisode:
    """Record a step of the search as done (the guardian informed, the search reviewed)."""
    episode = _episode_for_update(episode)
    access.check("missing_step", by, episode.case)
    if step not in PLAIN_STEPS:
        raise ValidationError({"step": ValidationError(_("Unknown step."), code="invalid_choice")})
    if step == INFORM_GUARDIAN and not episode.case.is_child:
        raise Conflict(_("This step is taken only on a child's case."), code="not_child")
    _check_step(episode, step)
    tasks.complete(episode.case, STEP_DEADLINE[step])
    record(by, Action.UPDATE, episode.case, fields=[f"missing_{step}"])
    return episode


def record_found(
    episode: MissingEpisode,
    *,
    by: Any,
    found_at: dt.datetime,
    found_place: str,
    condition: str,
    note: str = "",
) -> MissingEpisode:
    """The person is found: closes the episode and completes its deadlines.

    A finding before the person was last seen is refused, nothing stored, and audited.
    """
    with _audited(by, episode.case, "missing_found", ["found_at", "found_place", "found_condition"]):
        return _record_found(episode, by=by, found_at=found_at, found_place=found_place, condition=condition, note=note)


@transaction.atomic
def _record_found(
    episode: MissingEpisode, *, by: Any, found_at: dt.datetime, found_place: str, condition: str, note: str
) -> MissingEpisode:
    episode = _episode_for_update(episode)
    access.check("record_found", by, episode.case)
    _check_step(episode, RECORD_FOUND)
    _not_future(found_at, "found_at")
    if found_at < episode.last_seen_at:
        raise ValidationError(
            {
                "found_at": ValidationError(
                    _("The person cannot be found before they were last seen (%(at)s).")
                    % {"at": timezone.localtime(episode.last_seen_at).strftime("%Y-%m-%d %H:%M")},
                    code="found_before_last_seen",
                )
            }
        )
    episode.found_at = found_at
    episode.found_place = found_place.strip()
    episode.found_condition = condition
    episode.found_note = note
    episode.found_recorded_by = by
    episode.full_clean()
    episode.save(update_fields=["found_at", "found_place", "found_condition", "found_note", "found_recorded_by"])
    tasks.complete(episode.case, *STEP_DEADLINE.values())
    for hook in _found_hooks:
        hook(episode, by)
    record(by, Action.UPDATE, episode.case, fields=["missing_episode", "found_at"])
    return episode


def open_episode(case: Case) -> MissingEpisode | None:
    return case.missing_episodes.open().first()


def steps_done(episode: MissingEpisode) -> dict[str, bool]:
    """Which steps of the search are done (their deadline is completed or was never opened)."""
    open_kinds = set(episode.case.deadlines.open().values_list("kind", flat=True))
    return {step: kind not in open_kinds for step, kind in STEP_DEADLINE.items()}
