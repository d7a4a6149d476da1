"""Everything that happened on a case, newest first, built from the case's own records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.models import User
from trm.cases import identification
from trm.cases.models import Case, IdentificationState


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    actor: str = ""


def _at(day: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def _who(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def _abroad(case: Case) -> list[Entry]:
    """Where the case came from and what the other country reported: never this node's own steps."""
    out = []
    for cp in case.counterparts.all():
        country = cp.get_country_display()
        if cp.opened_case:
            title = _("Received from %(country)s") % {"country": country}
            out.append(Entry(_at(case.detected_on), "detection", _("Detected in %(country)s") % {"country": country}))
        else:
            title = _("Counterpart in %(country)s") % {"country": country}
        detail = _("%(office)s, node %(node)s, their case %(ref)s") % {
            "office": cp.organisation,
            "node": cp.node,
            "ref": cp.case_ref or "—",
        }
        out.append(Entry(cp.since, "abroad", title, detail))
    for d in case.foreign_decisions.all():
        title = _("Identification in %(country)s") % {"country": d.get_country_display()}
        detail = d.get_status_display() + (f" — {d.authority}" if d.authority else "")
        out.append(Entry(_at(d.decided_on) if d.decided_on else d.received_at, "abroad", title, detail))
    return out


def build(case: Case) -> list[Entry]:
    labels = identification.event_labels()
    abroad = _abroad(case)
    received = any(e.kind == "detection" for e in abroad)
    # A case opened from a referral was detected abroad; here it was opened, by whoever accepted it.
    opened = _("Case opened from the referral") if received else _("Detection recorded")
    out: list[Entry] = [
        Entry(_at(case.created_at), "opened" if received else "detection", opened, "", _who(case.created_by)),
        *abroad,
    ]
    for d in case.decisions.select_related("decided_by"):
        if d.event == identification.SCREEN:
            continue
        detail = str(IdentificationState(d.to_state).label)
        out.append(Entry(d.created_at, "decision", labels.get(d.event, d.event), detail, _who(d.decided_by)))
    for s in case.screenings.select_related("screened_by"):
        out.append(Entry(s.screened_at, "screening", _("Screening"), s.get_outcome_display(), _who(s.screened_by)))
    for e in case.events.select_related("recorded_by"):
        title = _("Route: %(stage)s") % {"stage": e.get_type_display()}
        out.append(Entry(e.created_at, "event", title, e.get_country_display(), _who(e.recorded_by)))
    for c in case.consents.select_related("recorded_by", "withdrawn_recorded_by"):
        if c.is_carried:
            title = _("Consent given in %(country)s") % {"country": c.get_origin_country_display()}
        else:
            title = _("Consent given")
        out.append(Entry(c.given_at, "consent", title, c.get_purpose_display(), _who(c.recorded_by)))
        if c.withdrawn_at:
            if c.is_carried and c.withdrawn_recorded_by is None:
                title = _("Consent withdrawn in %(country)s") % {"country": c.get_origin_country_display()}
            else:
                title = _("Consent withdrawn")
            out.append(Entry(c.withdrawn_at, "consent", title, c.get_purpose_display(), _who(c.withdrawn_recorded_by)))
    for n in case.notes.select_related("author"):
        out.append(Entry(n.created_at, "note", _("Note"), "", _who(n.author)))
    for r in case.risk_assessments.select_related("recorded_by"):
        out.append(Entry(_at(r.assessed_on), "risk", r.get_kind_display(), r.get_level_display(), _who(r.recorded_by)))
    for p in case.support_plans.select_related("recorded_by"):
        out.append(Entry(_at(p.starts_on), "support", _("Support plan"), p.get_type_display(), _who(p.recorded_by)))
    for permit in case.permits.select_related("recorded_by"):
        out.append(Entry(_at(permit.issued_on), "permit", permit.get_kind_display(), "", _who(permit.recorded_by)))
    for a in case.age_assessments.select_related("recorded_by"):
        out.append(
            Entry(_at(a.assessed_on), "child", _("Age assessment"), a.get_decision_display(), _who(a.recorded_by))
        )
    for g in case.guardians.select_related("recorded_by"):
        out.append(
            Entry(_at(g.appointed_on), "child", _("Guardian appointed"), g.get_kind_display(), _who(g.recorded_by))
        )
    for b in case.best_interests.select_related("recorded_by"):
        out.append(
            Entry(
                _at(b.decided_on), "child", b.get_kind_display(), b.get_durable_solution_display(), _who(b.recorded_by)
            )
        )
    for t in case.tracings.select_related("recorded_by"):
        out.append(Entry(_at(t.started_on), "child", _("Family tracing"), t.get_status_display(), _who(t.recorded_by)))
    out += _on_the_move(case)
    if case.closed_at:
        out.append(Entry(case.closed_at, "closure", _("Case closed"), case.get_closure_reason_display()))
    return sorted(out, key=lambda e: e.at, reverse=True)


def _on_the_move(case: Case) -> list[Entry]:
    """Care placements, missing episodes, migration status and route encounters (no places)."""
    out = []
    for p in case.placements.select_related("recorded_by"):
        out.append(Entry(_at(p.starts_on), "child", _("Care placement"), p.get_type_display(), _who(p.recorded_by)))
    for e in case.missing_episodes.select_related("recorded_by", "found_recorded_by"):
        out.append(Entry(e.last_seen_at, "missing", _("Missing: last seen"), "", _who(e.recorded_by)))
        if e.found_at:
            out.append(
                Entry(e.found_at, "missing", _("Found"), e.get_found_condition_display(), _who(e.found_recorded_by))
            )
    for m in case.migration_changes.select_related("recorded_by"):
        out.append(Entry(_at(m.since), "migration", _("Migration status"), m.get_status_display(), _who(m.recorded_by)))
    for r in case.route_encounters.select_related("recorded_by"):
        title = _("Met on the route: %(place)s") % {"place": r.get_place_type_display()}
        out.append(Entry(_at(r.met_on), "route", title, r.get_country_display(), _who(r.recorded_by)))
    return out
