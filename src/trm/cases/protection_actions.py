"""The case page's actions for a child on the move, a missing person and migration.

They join views.ACTIONS (``register()``, from CasesConfig.ready), so the one action view
(POST /cases/<reference>/<action>/) checks the verb's rule first, validates the form, calls the
verb and shows its refusal with its status, exactly as for every other action of the page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from trm.cases import migrants, missing, protection, views
from trm.cases.models import Case
from trm.cases.protection_forms import (
    AccompanyingAdultForm,
    ChildStatusForm,
    EndPlacementForm,
    FoundForm,
    MigrationStatusForm,
    MissingForm,
    MissingStepForm,
    PlacementForm,
    PoliceReportForm,
    RouteEncounterForm,
)
from trm.cases.views import CaseAction


def _found(case: Case, user: Any, d: dict[str, Any]) -> Any:
    return missing.record_found(
        d["episode"],
        by=user,
        found_at=d["found_at"],
        found_place=d["found_place"],
        condition=d["condition"],
        note=d["note"],
    )


def _police(case: Case, user: Any, d: dict[str, Any]) -> Any:
    return missing.record_police_report(d["episode"], by=user, reference=d["reference"], notified_at=d["notified_at"])


ACTIONS: dict[str, CaseAction] = {
    "child_status": CaseAction(
        ChildStatusForm,
        lambda c, u, d: protection.set_child_status(c, status=d["status"], by=u),
        "record_child_status",
        _("Saved."),
        legend=_("Record whether the child is accompanied"),
        button=_("Save"),
    ),
    "adult": CaseAction(
        AccompanyingAdultForm,
        lambda c, u, d: protection.record_accompanying_adult(c, by=u, **d),
        "record_accompanying_adult",
        _("Accompanying adult recorded."),
        legend=_("Record an accompanying adult"),
        button=_("Save"),
    ),
    "placement": CaseAction(
        PlacementForm,
        lambda c, u, d: protection.place_child(c, by=u, **d),
        "place_child",
        _("Placement recorded."),
        legend=_("Record a care placement"),
        button=_("Save"),
    ),
    "end_placement": CaseAction(
        EndPlacementForm,
        lambda c, u, d: protection.end_placement(d["placement"], by=u, ends_on=d["ends_on"]),
        "end_placement",
        _("Placement ended."),
        legend=_("End the current placement"),
        button=_("End placement"),
    ),
    "missing": CaseAction(
        MissingForm,
        lambda c, u, d: missing.record_missing(c, by=u, **d),
        "record_missing",
        _("Recorded as missing. The urgent tasks are on the case and on the dashboard."),
        legend=_("Record that the person has gone missing"),
        button=_("Record as missing"),
        danger=True,
    ),
    "police_report": CaseAction(PoliceReportForm, _police, "missing_step", _("Police report recorded.")),
    "missing_step": CaseAction(
        MissingStepForm,
        lambda c, u, d: missing.complete_step(d["episode"], by=u, step=d["step"]),
        "missing_step",
        _("Saved."),
    ),
    "found": CaseAction(FoundForm, _found, "record_found", _("Recorded as found.")),
    "migration": CaseAction(
        MigrationStatusForm,
        lambda c, u, d: migrants.set_migration_status(c, by=u, **d),
        "set_migration_status",
        _("Migration status saved."),
        legend=_("Change the migration status"),
        button=_("Save"),
    ),
    "encounter": CaseAction(
        RouteEncounterForm,
        lambda c, u, d: migrants.record_route_encounter(c, by=u, **d),
        "record_route_encounter",
        _("Saved."),
        legend=_("Record where the person was met on the route"),
        button=_("Save"),
    ),
}


def register() -> None:
    for name, action in ACTIONS.items():
        views.ACTIONS.setdefault(name, action)
