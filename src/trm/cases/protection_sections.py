"""The case page's sections for a child on the move, a missing person, and migration.

Each is a section factory (sections.register, from CasesConfig.ready): it receives a case the
user already sees and returns a Panel, or None when there is nothing to show or to do. The
forms of the page's actions (protection_actions) open on demand; only an open missing episode's
urgent steps are built here, in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.cases import access, missing
from trm.cases.protection_forms import FoundForm, MissingStepForm, PoliceReportForm
from trm.dashboard.panels import Panel

if TYPE_CHECKING:
    from trm.cases.models import Case


def child_on_the_move(request: HttpRequest, case: Case) -> Panel | None:
    """Travelling status, accompanying adults (unverified ones flagged) and care placements."""
    if not case.is_child:
        return None
    adults = list(case.accompanying_adults.all())
    placements = list(case.placements.all())
    current = next((p for p in placements if p.ends_on is None), None)
    return Panel(
        title=_("Child on the move: travelling status and care"),
        template="cases/_section_child_on_the_move.html",
        context={
            "adults": adults,
            "unverified": [a for a in adults if not a.verified],
            "placements": placements,
            "current": current,
        },
        order=20,
    )


def missing_person(request: HttpRequest, case: Case) -> Panel | None:
    """Missing episodes: the open one with its urgent steps and what other parts offer; the history."""
    user = request.user
    episodes = list(case.missing_episodes.select_related("recorded_by"))
    may_record = access.may("record_missing", user, case)
    if not episodes and not may_record:
        return None
    current = next((e for e in episodes if e.is_open), None)
    context: dict[str, Any] = {"episodes": episodes, "current": current, "may_record": may_record and not current}
    if current is not None:
        now = timezone.now()
        urgent = [
            {"deadline": d, "overdue": d.due_at is not None and d.due_at < now}
            for d in case.deadlines.open().filter(kind__in=missing.STEP_DEADLINE.values())
        ]
        done = missing.steps_done(current)
        may_step = access.may("missing_step", user, case)
        initial = {"episode": current.pk}
        context.update(
            {
                "urgent": urgent,
                "police_form": PoliceReportForm(case=case, user=user, initial=initial)
                if may_step and not current.police_report_ref
                else None,
                "step_forms": [
                    (
                        missing.STEP_LABELS[step],
                        MissingStepForm(case=case, user=user, initial={**initial, "step": step}),
                    )
                    for step in missing.PLAIN_STEPS
                    if may_step and not done[step] and (step != missing.INFORM_GUARDIAN or case.is_child)
                ],
                "found_form": FoundForm(case=case, user=user, initial=initial)
                if access.may("record_found", user, case)
                else None,
                "offers": missing.offers_for(request, current),
            }
        )
    return Panel(title=_("Missing"), template="cases/_section_missing.html", context=context, order=22)


def migration_and_route(request: HttpRequest, case: Case) -> Panel | None:
    """Migration status (with its history) and where on the route the person was met."""
    user = request.user
    changes = list(case.migration_changes.all())
    encounters = list(case.route_encounters.all())
    may_change = access.may("set_migration_status", user, case)
    if not (changes or encounters or may_change or case.migration_status != "unknown"):
        return None
    return Panel(
        title=_("Migration and route"),
        template="cases/_section_migration.html",
        context={"changes": changes, "encounters": encounters},
        order=25,
    )
