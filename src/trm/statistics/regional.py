"""Regional figures: one year of this node's victims for the network secretariat (trm/1 §5.22).

**Sending** (``send``): the coordinator's office or the national rapporteur chooses a year; the
node queues a ``regional_aggregate`` to ``TRM_STATS_SECRETARIAT`` holding the page's victim
tables for that year (by category, sex, age group, citizenship, form, scope, flows and the
three flags), protected, and keeps what it sent (``RegionalReport``, audited).

**Counting once.** A person referred from one country to another has a case in both: the
receiving node opened its case from the referral, and the conversation of that referral links
the two (``Counterpart.opened_case``, the fact ``received``). The regional tables leave those
cases out, so the country that registered the person first counts them, and the region's sum
counts them once.

**Differencing.** The regional tables (without the received cases) and the national page (with
them) describe overlapping people: subtracting one from the other gives the received cases of a
cell. Both are therefore protected as one family: each table is built as category × *counted*
(``first`` or ``received``) × breakdown, whose margin over *counted* is the national table; the
national page's hidden cells are hidden here too, and a national cell this protection would hide
while the page shows it has both of its parts hidden. Only the ``first`` slice leaves the node.

**Receiving** (``on_regional_aggregate``, the inbox handler): the secretariat's node keeps the
newest message of each node for each year; any other node sets the message aside. ``side_by_side``
lays the nodes' tables next to each other for the secretariat, and ``for_update`` gives the
network app a country's latest figures to pre-fill its update for a coordinators' meeting.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.access import require_capability
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.exchange import inbox, keys, outbox
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import REGIONAL_TYPE, Handling, format_time, parse_time
from trm.exchange.models import InboxMessage
from trm.exchange.schemas import REGIONAL_MAX_CELLS
from trm.lib.refusals import Conflict, ValidationError
from trm.statistics import disclosure, facts, figures, tables
from trm.statistics.charts import Row, Table
from trm.statistics.disclosure import TOTAL, Cube, Identity, Protected
from trm.statistics.models import VICTIMS, CaseFact, RegionalReport, Snapshot, YesNo

TYPE = REGIONAL_TYPE
# Why the handler sets received figures aside (``inbox.Unprocessable``); apps.py puts them in words.
NOT_THE_SECRETARIAT = "not_the_secretariat"
K_BELOW_THRESHOLD = "k_below_threshold"
SENDER_NOT_LISTED = "sender_not_listed"
# Protocol table -> its breakdown (after the category).
TABLES: dict[str, tuple[str, ...]] = {
    "victims": (),
    "sex": ("sex",),
    "age_group": ("age_group",),
    "citizenship": ("citizenship",),
    "form": ("form",),
    "scope": ("scope",),
    "flows": ("origin", "destination"),
    "reflection": ("reflection",),
    "permit": ("permit",),
    "returned": ("returned",),
}
# The national cube each table is a slice of (figures.family_dims names).
NATIONAL = {"victims": "total", "flows": "origin.destination"}
FIRST, RECEIVED = "first", "received"
_CONVERSATIONS = uuid.UUID("0c4f3a52-7d1e-5b69-8e2a-4f6b1d9c3e70")


def secretariat() -> str:
    return str(settings.TRM_STATS_SECRETARIAT)


def is_secretariat() -> bool:
    """This node is the network secretariat's: it receives the nodes' regional figures."""
    return bool(secretariat()) and secretariat() == settings.TRM_NODE_ID


def conversation_for(sender: str, receiver: str) -> uuid.UUID:
    return uuid.uuid5(_CONVERSATIONS, f"{TYPE} {sender} {receiver}")


# --- protecting ---------------------------------------------------------------------------


def _joint_cubes(year: int) -> list[Cube]:
    """Each table as category × counted × breakdown over the victims of ``year``."""
    victims = CaseFact.objects.filter(category__in=VICTIMS, year=year)
    cubes = []
    for dims in TABLES.values():
        rows = []
        for category, received, *values, n in (
            victims.values_list("category", "received", *dims).annotate(n=Count("pk")).order_by()
        ):
            coded = [
                (YesNo.YES if v else YesNo.NO) if d in figures.FLAGS else str(v)
                for d, v in zip(dims, values, strict=True)
            ]
            rows.append(((category, RECEIVED if received else FIRST, *coded), n))
        values = [list(figures.ORDER["category"]), [FIRST, RECEIVED], *(list(figures.ORDER.get(d, [])) for d in dims)]
        cubes.append(disclosure.make_cube(("category", "counted", *dims), rows, values=values))
    return cubes


def _national(snapshot: Snapshot, year: int) -> dict[Identity, int | None]:
    """The page's cells of ``year`` (None: hidden), by identity without the year."""
    out: dict[Identity, int | None] = {}
    for name in TABLES:
        p = figures.deserialise(snapshot.figures["victims"][NATIONAL.get(name, name)], snapshot.k)
        for key, n in p.shown.items():
            if key[0] == str(year):
                out[frozenset((d, v) for d, v in zip(p.dims[1:], key[1:], strict=True) if v != TOTAL)] = n
    return out


def protect(year: int, snapshot: Snapshot) -> list[Protected]:
    """The regional tables of ``year``, protected together with the national page (module doc)."""
    k = snapshot.k
    national = _national(snapshot, year)
    cubes = _joint_cubes(year)
    for cube in cubes:
        for key, n in cube.cells.items():
            shown = national.get(cube.identity(key)) if key[1] == TOTAL else None
            if shown is not None and shown != n:
                raise Conflict(
                    _("The figures changed since they were last brought up to date: bring them up to date first.")
                )
    forced = {identity for identity, n in national.items() if n is None}
    while True:
        protected = disclosure.protect_family(cubes, k=k, forced=forced)
        extra: set[Identity] = set()
        for cube, p in zip(cubes, protected, strict=True):
            for key in p.hidden:
                identity = cube.identity(key)
                if key[1] == TOTAL and national.get(identity) is not None:
                    extra |= {identity | {("counted", FIRST)}, identity | {("counted", RECEIVED)}}
        if extra <= forced:
            return protected
        forced |= extra


def body_of(year: int, snapshot: Snapshot, protected: list[Protected]) -> dict[str, Any]:
    """The ``regional_aggregate`` body: the ``first`` slice of each table, zero cells left out."""
    out = []
    for name, p in zip(TABLES, protected, strict=True):
        cells: list[dict[str, Any]] = []
        for key, n in p.shown.items():
            if key[1] != FIRST:
                continue
            at = [str(key[0]), *(str(v) for v in key[2:])]
            if n is None:
                cells.append({"at": at, "hidden": True})
            elif n:
                cells.append({"at": at, "n": n})
        if cells:
            out.append({"table": name, "cells": cells})
    if not out:
        raise ValidationError({"year": _("There are no victims recorded for %(year)s.") % {"year": year}})
    if sum(len(t["cells"]) for t in out) > REGIONAL_MAX_CELLS:
        raise Conflict(_("The tables of %(year)s have too many cells for one message.") % {"year": year})
    return {"year": year, "k": snapshot.k, "computed": format_time(snapshot.computed_at), "tables": out}


# --- sending ------------------------------------------------------------------------------


@transaction.atomic
def send(*, by: Any, year: int, now: dt.datetime | None = None) -> RegionalReport:
    """Queue this node's protected figures of ``year`` to the network secretariat's node."""
    require_capability(by, Cap.VIEW_STATISTICS)
    to = secretariat()
    if not to or to == settings.TRM_NODE_ID:
        raise Conflict(_("No network secretariat node to send to is configured (TRM_STATS_SECRETARIAT)."))
    now = now or timezone.now()
    snapshot = facts.current()
    if str(year) not in snapshot.figures["years"]:
        raise ValidationError({"year": _("There are no cases recorded for %(year)s.") % {"year": year}})
    body = body_of(year, snapshot, protect(year, snapshot))
    try:
        row = outbox.enqueue(
            TYPE,
            recipient=to,
            body=body,
            purpose="monitoring",
            legal_basis="public_task",
            by=by,
            now=now,
            conversation=conversation_for(settings.TRM_NODE_ID, to),
            handling=Handling(("H0", "H2")),
        )
    except (ProtocolError, keys.NoTrustList, keys.NoKeys) as err:
        raise Conflict(
            _("The secretariat's node cannot be reached from here now (%(why)s).") % {"why": type(err).__name__}
        ) from err
    report = RegionalReport.objects.filter(direction=RegionalReport.Direction.SENT, node=to, year=year).first()
    report = report or RegionalReport(direction=RegionalReport.Direction.SENT, node=to, year=year)
    report.country = settings.TRM_COUNTRY
    report.k = snapshot.k
    report.figures = body
    report.message_id = str(row.message_id)
    report.at = now
    report.full_clean()
    report.save()
    record(
        by, Action.EXPORT, report, note=f"regional_aggregate year={year} to={to} k={snapshot.k} snapshot={snapshot.pk}"
    )
    return report


# --- receiving ----------------------------------------------------------------------------


def on_regional_aggregate(row: InboxMessage) -> None:
    """Inbox handler: the secretariat keeps the newest figures of each node for each year."""
    if not is_secretariat():
        raise inbox.Unprocessable(NOT_THE_SECRETARIAT)
    envelope = row.envelope
    body = envelope["body"]
    if body["k"] < settings.TRM_STATS_K:
        raise inbox.Unprocessable(K_BELOW_THRESHOLD)
    created = parse_time(envelope["created"])
    try:
        country = keys.current_trust_list(now=timezone.now()).node(row.sender, at=created).country
    except (ProtocolError, keys.NoTrustList) as err:
        raise inbox.Unprocessable(SENDER_NOT_LISTED) from err
    Direction = RegionalReport.Direction
    report = RegionalReport.objects.filter(direction=Direction.RECEIVED, node=row.sender, year=body["year"]).first()
    if report is not None and report.at >= created:
        return  # an older message arriving late: the newer figures stay
    report = report or RegionalReport(direction=Direction.RECEIVED, node=row.sender, year=body["year"])
    report.country = country
    report.k = body["k"]
    report.figures = dict(body)
    report.message_id = str(row.message_id)
    report.at = created
    report.full_clean()
    report.save()
    record(None, Action.RECEIVE, report, note=f"regional_aggregate from {row.sender} year={body['year']}")


# --- reading at the secretariat ----------------------------------------------------------


def received(year: int | None = None) -> list[RegionalReport]:
    reports = RegionalReport.objects.filter(direction=RegionalReport.Direction.RECEIVED)
    if year is not None:
        reports = reports.filter(year=year)
    return list(reports.order_by("country", "node", "-year"))


def cells_of(report: RegionalReport, table: str) -> dict[tuple[str, ...], int | None]:
    """A received table's cells by ``at`` (None: hidden; absent: 0)."""
    for entry in report.figures.get("tables", []):
        if entry["table"] == table:
            return {tuple(c["at"]): (None if c.get("hidden") else c["n"]) for c in entry["cells"]}
    return {}


def _sum(values: list[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None)


def _rank(dim: str, code: str) -> tuple[int, str]:
    order = [str(c) for c in figures.ORDER.get(dim, [])]
    return (order.index(code) if code in order else len(order), tables.label(dim, code))


def side_by_side(reports: list[RegionalReport]) -> list[Table]:
    """Each table with one column per node (its country) and the region's total, as received.

    A cell hidden by its node stays hidden; the region's total is shown only when no cell
    of its row is hidden.
    """
    series = tuple(f"{tables.label('citizenship', r.country)}" for r in reports)
    out = []
    for name, dims in TABLES.items():
        per_node = [cells_of(r, name) for r in reports]
        if not dims:
            rows = []
            for code in (str(c) for c in figures.ORDER["category"]):
                values = tuple(n.get((code,), 0) for n in per_node)
                rows.append(Row(tables.label("category", code), values, _sum(list(values))))
            totals = tuple(n.get((TOTAL,), 0) for n in per_node)
            out.append(
                Table(
                    key="regional.victims",
                    title=_("Presumed and identified victims, by country"),
                    row_title=tables.dim_title("category"),
                    series=series,
                    rows=tuple(rows),
                    total=Row(_("Total"), totals, _sum(list(totals))),
                )
            )
            continue
        keys_seen = sorted(
            {key[1:] for n in per_node for key in n if key[0] == TOTAL and TOTAL not in key[1:]},
            key=lambda key: tuple(_rank(d, v) for d, v in zip(dims, key, strict=True)),
        )
        rows = []
        for key in keys_seen:
            values = tuple(n.get((TOTAL, *key), 0) for n in per_node)
            text = " → ".join(tables.label(d, v) for d, v in zip(dims, key, strict=True))
            rows.append(Row(text, values, _sum(list(values))))
        totals = tuple(n.get((TOTAL, *(TOTAL for _d in dims)), 0) for n in per_node)
        title = (
            _("Flows: country of origin → country of exploitation, by reporting country")
            if name == "flows"
            else _("Victims by %(dimension)s, by reporting country") % {"dimension": tables.dim_title(dims[0]).lower()}
        )
        out.append(
            Table(
                key=f"regional.{name}",
                title=title,
                row_title=" → ".join(tables.dim_title(d) for d in dims),
                series=series,
                rows=tuple(rows),
                total=Row(_("Total"), totals, _sum(list(totals))),
            )
        )
    return out


def for_update(country: str, period_start: dt.date, period_end: dt.date) -> Mapping[str, Any] | None:
    """The network app's statistics provider: a country's latest figures in the period, or None.

    Returns the year, the node, when it was received, the main figures (as received, hidden
    cells as None) and a sentence that pre-fills the update's trends, which people then edit.
    """
    report = (
        RegionalReport.objects.filter(
            direction=RegionalReport.Direction.RECEIVED,
            country=country,
            year__gte=period_start.year,
            year__lte=period_end.year,
        )
        .order_by("-year", "-at")
        .first()
    )
    if report is None:
        return None
    victims = cells_of(report, "victims")
    total, presumed, identified = (victims.get((c,), 0) for c in (TOTAL, "presumed", "identified"))
    forms = cells_of(report, "form")
    top = sorted(
        ((n, code) for (c, code), n in forms.items() if c == TOTAL and code != TOTAL and n),
        key=lambda item: (-item[0], item[1]),
    )[:3]

    def shown(n: int | None) -> str:
        return "—" if n is None else str(n)

    summary = _(
        "In %(year)s the node registered %(total)s victims (%(presumed)s presumed, %(identified)s identified)."
    ) % {
        "year": report.year,
        "total": shown(total),
        "presumed": shown(presumed),
        "identified": shown(identified),
    }
    if top:
        summary += " " + _("Main forms of exploitation: %(forms)s.") % {
            "forms": ", ".join(f"{tables.label('form', code)} ({n})" for n, code in top)
        }
    return {
        "year": report.year,
        "node": report.node,
        "k": report.k,
        "received_at": report.at.isoformat(),
        "figures": {"victims": total, "presumed": presumed, "identified": identified},
        "forms": [[tables.label("form", code), n] for n, code in top],
        "summary": summary,
    }
