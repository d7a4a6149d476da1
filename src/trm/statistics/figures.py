"""Every figure the node publishes, computed from the facts and protected in one go.

``compute`` returns plain JSON (stored in a ``Snapshot``): the family of victim cubes (year ×
category × up to two breakdowns, flows, reflection, permits, returns), decision times, permits
and the tallies other apps register (national and transnational referrals, post-return
reports). Each cube is protected by ``disclosure``; the victim cubes as one linked family, so
that any two views of them (a year against all years, one breakdown against another) cannot
be subtracted to reveal a hidden cell. Nothing unprotected is stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from trm.cases.models import ResidencePermit
from trm.lib import tallies
from trm.statistics import disclosure
from trm.statistics.disclosure import TOTAL, Cube, Protected
from trm.statistics.models import VICTIMS, AgeGroup, CaseFact, Category, Scope, Sex, YesNo
from trm.vocab.htcds import ExploitationType

# Breakdowns a person can choose on the page; each may be crossed with one other.
BREAKDOWNS = ("sex", "age_group", "citizenship", "form", "scope")
FLAGS = ("reflection", "permit", "returned")
# Coarser codes that Eurostat and GRETA ask for, derived from a column of the facts.
EU27 = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
LABOUR = {ExploitationType.FORCED_LABOUR, ExploitationType.CHILD_LABOUR, ExploitationType.SERVITUDE}
AGE_BAND: dict[str, str] = {
    AgeGroup.A0_11: "child",
    AgeGroup.A12_17: "child",
    AgeGroup.CHILD_UNKNOWN: "child",
    AgeGroup.UNKNOWN: "unknown",
}


def _citizenship_group(code: str) -> str:
    from django.conf import settings

    if code == "unknown":
        return "unknown"
    if code == settings.TRM_COUNTRY:
        return "national"
    return "eu" if code in EU27 else "non_eu"


def _form_group(code: str) -> str:
    if code == "unknown":
        return "unknown"
    return "sexual" if code == ExploitationType.SEXUAL else "labour" if code in LABOUR else "other"


DERIVED: dict[str, tuple[str, Any]] = {
    "age_band": ("age_group", lambda c: AGE_BAND.get(c, "adult")),
    "citizenship_group": ("citizenship", _citizenship_group),
    "form_group": ("form", _form_group),
}
ORDER: dict[str, list[str]] = {
    "category": [Category.PRESUMED, Category.IDENTIFIED],
    "sex": list(Sex.values),
    "age_group": list(AgeGroup.values),
    "form": [*ExploitationType.values, "unknown"],
    "scope": list(Scope.values),
    "reflection": list(YesNo.values),
    "permit": list(YesNo.values),
    "returned": list(YesNo.values),
    "age_band": ["child", "adult", "unknown"],
    "citizenship_group": ["national", "eu", "non_eu", "unknown"],
    "form_group": ["sexual", "labour", "other", "unknown"],
}


def family_dims() -> list[tuple[str, ...]]:
    """The linked cubes: every one starts with year and category."""
    head = ("year", "category")
    dims: list[tuple[str, ...]] = [head]
    dims += [(*head, d) for d in BREAKDOWNS]
    dims += [(*head, a, b) for a, b in itertools.combinations(BREAKDOWNS, 2)]
    dims += [(*head, "origin", "destination")]
    dims += [(*head, f) for f in FLAGS]
    dims += [(*head, d) for d in DERIVED]
    dims += [(*head, "sex", d) for d in DERIVED]  # Eurostat crosses each with sex
    return dims


def cube_name(dims: Sequence[str]) -> str:
    return ".".join(dims[2:]) or "total"


def _values(dims: Sequence[str], years: list[str]) -> list[list[str]]:
    return [years if d == "year" else list(ORDER.get(d, [])) for d in dims]


def _rows(facts: QuerySet[CaseFact], dims: Sequence[str]) -> Iterable[tuple[tuple[str, ...], int]]:
    fields = [DERIVED[d][0] if d in DERIVED else d for d in dims]
    for row in facts.values_list(*fields).annotate(n=Count("pk")).order_by():
        *values, n = row
        key: list[str] = []
        for d, v in zip(dims, values, strict=True):
            if d in FLAGS:
                key.append(YesNo.YES if v else YesNo.NO)
            elif d in DERIVED:
                key.append(DERIVED[d][1](v))
            else:
                key.append(str(v))
        yield tuple(key), n


def victim_cubes(facts: QuerySet[CaseFact], years: list[str]) -> list[Cube]:
    victims = facts.filter(category__in=VICTIMS)
    return [disclosure.make_cube(d, _rows(victims, d), values=_values(d, years)) for d in family_dims()]


def serialise(p: Protected) -> dict[str, Any]:
    return {
        "dims": list(p.dims),
        "values": [list(v) for v in p.values],
        "cells": {"|".join(key): n for key, n in p.shown.items()},
    }


def deserialise(data: dict[str, Any], k: int) -> Protected:
    shown = {tuple(key.split("|")): n for key, n in data["cells"].items()}
    hidden = frozenset(key for key, n in shown.items() if n is None)
    return Protected(
        dims=tuple(data["dims"]), values=tuple(tuple(v) for v in data["values"]), shown=shown, k=k, hidden=hidden
    )


def _decisions(facts: QuerySet[CaseFact], years: list[str], k: int) -> dict[str, Any]:
    """Days from detection to each decision and the share decided by the deadline, per year."""
    out: dict[str, Any] = {}
    per_year: dict[str, dict[str, Any]] = {
        str(r["year"]): dict(r)
        for r in facts.values("year")
        .annotate(
            rg_n=Count("rg_days"),
            rg_sum=Sum("rg_days"),
            rg_decided=Count("rg_met"),
            rg_in_time=Count("pk", filter=Q(rg_met=True)),
            cg_n=Count("cg_days"),
            cg_sum=Sum("cg_days"),
            cg_decided=Count("cg_met"),
            cg_in_time=Count("pk", filter=Q(cg_met=True)),
        )
        .order_by()
    }
    for step in ("rg", "cg"):
        counts = disclosure.protect(
            disclosure.make_cube(("year",), [((y,), r[f"{step}_n"]) for y, r in per_year.items()], values=[years]),
            k=k,
        )
        rows = {}
        for y in [*years, TOTAL]:
            chosen = list(per_year.values()) if y == TOTAL else [per_year[y]] if y in per_year else []
            n = sum(r[f"{step}_n"] for r in chosen)
            total_days = sum(r[f"{step}_sum"] or 0 for r in chosen)
            decided = sum(r[f"{step}_decided"] for r in chosen)
            in_time = sum(r[f"{step}_in_time"] for r in chosen)
            shown_n = counts.shown[(y,)]
            rows[y] = {
                "n": shown_n,
                "mean_days": disclosure.mean(float(total_days), n, k=k) if shown_n is not None else None,
                "met_share": disclosure.share(in_time, decided, k=k),
            }
        out[step] = rows
    return out


def _permits(years: list[str], k: int) -> dict[str, Any]:
    rows = (
        ResidencePermit.objects.annotate(y=ExtractYear("issued_on"))
        .values_list("y", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cube = disclosure.make_cube(("year", "kind"), [((str(y), kind), n) for y, kind, n in rows], values=[years, []])
    return serialise(disclosure.protect(cube, k=k))


def _tallies(years: list[str], k: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tally in tallies.registered():
        cube = disclosure.make_cube(
            ("year", *tally.dims), [(key, n) for key, n in tally.counts()], values=[years, *([] for _ in tally.dims)]
        )
        entry: dict[str, Any] = {"cube": serialise(disclosure.protect(cube, k=k)), "days": None}
        if tally.days is not None:
            days: dict[str, Any] = {}
            for key, total, n in tally.days():
                days["|".join(key)] = disclosure.mean(total, n, k=k)
            entry["days"] = days
        out[tally.name] = entry
    return out


def years_of(facts: QuerySet[CaseFact]) -> list[str]:
    return [str(y) for y in facts.values_list("year", flat=True).distinct().order_by("year")]


def compute(*, k: int, facts: QuerySet[CaseFact] | None = None) -> dict[str, Any]:
    """All protected figures of the node (or of ``facts``, e.g. without the received cases)."""
    facts = facts if facts is not None else CaseFact.objects.all()
    years = years_of(facts)
    family = disclosure.protect_family(victim_cubes(facts, years), k=k)
    return {
        "years": years,
        "k": k,
        "victims": {cube_name(p.dims): serialise(p) for p in family},
        "decisions": _decisions(facts, years, k),
        "permits": _permits(years, k),
        "tallies": _tallies(years, k),
    }
