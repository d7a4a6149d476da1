"""The tables people see and export, cut from a protected snapshot (never from the cases).

A view picks a year (or all years) and an optional breakdown; every number comes out of a
cube of the snapshot's protected family, so any two views show cells of the same protected
tables (docs/statistics.md, "Differencing").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from trm.lib import tallies
from trm.statistics import figures
from trm.statistics.charts import Row, Table
from trm.statistics.disclosure import TOTAL, Protected
from trm.statistics.models import UNKNOWN, AgeGroup, Category, Scope, Sex, YesNo
from trm.vocab.countries import country_name
from trm.vocab.htcds import ExploitationType


def dim_title(dim: str) -> str:
    return {
        "year": _("Year"),
        "category": _("Category"),
        "sex": _("Sex"),
        "age_group": _("Age group at detection"),
        "citizenship": _("Citizenship"),
        "form": _("Form of exploitation"),
        "scope": _("Internal or transnational"),
        "origin": _("Country of origin"),
        "destination": _("Country of exploitation"),
        "reflection": _("Reflection period granted"),
        "permit": _("Residence permit granted"),
        "returned": _("Returned"),
        "kind": _("Kind"),
        "age_band": _("Age"),
        "citizenship_group": _("Citizenship group"),
        "form_group": _("Form of exploitation (group)"),
    }.get(dim, dim)


GROUPS = {
    "child": _("Child (under 18)"),
    "adult": _("Adult"),
    "national": _("Nationals of this country"),
    "eu": _("Citizens of other EU countries"),
    "non_eu": _("Citizens of non-EU countries"),
    "sexual": _("Sexual exploitation"),
    "labour": _("Labour exploitation"),
    "other": _("Other forms"),
    "unknown": _("Unknown"),
}


def label(dim: str, code: str) -> str:
    """What a person reads for a coded value: never the code itself."""
    if code == TOTAL:
        return _("Total")
    if dim in ("citizenship", "origin", "destination", "country"):
        return _("Unknown") if code == UNKNOWN else country_name(code)
    choices: dict[str, Any] = {
        "category": Category,
        "sex": Sex,
        "age_group": AgeGroup,
        "scope": Scope,
        "reflection": YesNo,
        "permit": YesNo,
        "returned": YesNo,
    }
    if dim in choices:
        return str(choices[dim](code).label) if code in choices[dim].values else code
    if dim in ("age_band", "citizenship_group", "form_group"):
        return str(GROUPS.get(code, code))
    if dim == "form":
        return str(ExploitationType(code).label) if code in ExploitationType.values else _("Unknown")
    if dim == "kind":
        from trm.cases.models import PermitKind

        return str(PermitKind(code).label) if code in PermitKind.values else code
    return code


def _table(
    p: Protected,
    *,
    key: str,
    title: str,
    row_dim: str,
    col_dim: str | None,
    fixed: dict[str, str],
    labeller: Callable[[str, str], str] = label,
    drop_empty: bool = True,
) -> Table:
    """Rows: values of ``row_dim``; columns: values of ``col_dim`` (or one column, the total)."""
    values = dict(zip(p.dims, p.values, strict=True))
    series_codes = list(values[col_dim]) if col_dim else []
    rows = []
    for code in values[row_dim]:
        where = {**fixed, row_dim: code}
        cells = tuple(p.get(**where, **{col_dim: c}) for c in series_codes) if col_dim else (p.get(**where),)
        total = p.get(**where)
        if drop_empty and total == 0:
            continue
        rows.append(Row(labeller(row_dim, code), cells, total))
    if col_dim:
        total_row = Row(_("Total"), tuple(p.get(**fixed, **{col_dim: c}) for c in series_codes), p.get(**fixed))
        series = tuple(labeller(col_dim, c) for c in series_codes)
    else:
        total_row = Row(_("Total"), (p.get(**fixed),), p.get(**fixed))
        series = (_("Victims"),)
    return Table(key=key, title=title, row_title=dim_title(row_dim), series=series, rows=tuple(rows), total=total_row)


def victim_tables(snapshot_figures: dict[str, Any], *, year: str | None, by: str | None) -> list[Table]:
    """Victims by year, then by each breakdown, for one year or all, split by category or ``by``."""
    k = snapshot_figures["k"]
    cubes = {name: figures.deserialise(data, k) for name, data in snapshot_figures["victims"].items()}
    fixed = {"year": year} if year else {}
    out = [
        _table(
            cubes["total"],
            key="victims.year",
            title=_("Presumed and identified victims by year of detection"),
            row_dim="year",
            col_dim="category",
            fixed={},
            drop_empty=False,
        )
    ]
    for dim in figures.BREAKDOWNS:
        if by and by != dim:
            name = ".".join(d for d in figures.BREAKDOWNS if d in (dim, by))
            cube, col = cubes[name], by
        else:
            cube, col = cubes[dim], "category"
        title = _("Victims by %(dimension)s") % {"dimension": dim_title(dim).lower()}
        out.append(_table(cube, key=f"victims.{dim}", title=title, row_dim=dim, col_dim=col, fixed=fixed))
    for flag in figures.FLAGS:
        title = {
            "reflection": _("Victims granted a recovery and reflection period"),
            "permit": _("Victims granted a residence permit"),
            "returned": _("Victims whose case closed with a return"),
        }[flag]
        out.append(
            _table(cubes[flag], key=f"victims.{flag}", title=title, row_dim=flag, col_dim="category", fixed=fixed)
        )
    return out


def flow_table(snapshot_figures: dict[str, Any], *, year: str | None) -> Table:
    p = figures.deserialise(snapshot_figures["victims"]["origin.destination"], snapshot_figures["k"])
    fixed = {"year": year} if year else {}
    return _table(
        p,
        key="victims.flows",
        title=_("Flows: country of origin → country of exploitation"),
        row_dim="origin",
        col_dim="destination",
        fixed=fixed,
    )


def decision_table(snapshot_figures: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Per year (and all years): decisions taken, mean days from detection, share in time."""
    years = [*snapshot_figures["years"], TOTAL]
    rows = []
    for y in years:
        entry: dict[str, Any] = {"year": _("All years") if y == TOTAL else y}
        for step in ("rg", "cg"):
            data = snapshot_figures["decisions"][step].get(y, {})
            entry[step] = {
                "n": data.get("n"),
                "mean_days": None if data.get("mean_days") is None else round(data["mean_days"], 1),
                "met_share": None if data.get("met_share") is None else round(100 * data["met_share"]),
            }
        entry["steps"] = [entry["rg"], entry["cg"]]
        rows.append(entry)
    return years, rows


def permit_table(snapshot_figures: dict[str, Any]) -> Table:
    p = figures.deserialise(snapshot_figures["permits"], snapshot_figures["k"])
    return _table(
        p,
        key="permits",
        title=_("Reflection periods and residence permits granted, by year of issue"),
        row_dim="year",
        col_dim="kind",
        fixed={},
        drop_empty=False,
    )


def _tally_labeller(tally: tallies.Tally) -> Callable[[str, str], str]:
    def labeller(dim: str, code: str) -> str:
        if code == TOTAL or dim == "year":
            return label(dim, code)
        return tally.labels(dim, code)

    return labeller


def tally_tables(snapshot_figures: dict[str, Any], *, year: str | None) -> list[tuple[Table, list[tuple[str, str]]]]:
    """Each registered tally: its table by first dimension (split by the second) and mean days."""
    out = []
    k = snapshot_figures["k"]
    fixed = {"year": year} if year else {}
    for tally in tallies.registered():
        data = snapshot_figures["tallies"].get(tally.name)
        if data is None:
            continue
        p = figures.deserialise(data["cube"], k)
        dims = tally.dims
        table = _table(
            p,
            key=f"tally.{tally.name}",
            title=str(tally.title),
            row_dim=dims[0],
            col_dim=dims[1] if len(dims) > 1 else None,
            fixed=fixed,
            labeller=_tally_labeller(tally),
        )
        means = []
        if data["days"]:
            for key, value in sorted(data["days"].items()):
                y, code = key.split("|", 1)
                if year and y != year:
                    continue
                shown = "—" if value is None else f"{value:.1f}"
                means.append((f"{y} · {tally.labels(dims[0], code)}", shown))
        out.append((table, means))
    return out


def release_table(release: Any) -> Table:
    """A differentially private release, as a table (its noise already drawn and stored)."""
    p = figures.deserialise(release.figures, 0)
    return _table(
        p,
        key=f"release.{release.reference}",
        title=_("Victims in %(year)s by %(dimension)s (ε = %(epsilon)s)")
        % {"year": release.year_from, "dimension": dim_title(release.table).lower(), "epsilon": f"{release.epsilon:g}"},
        row_dim=release.table,
        col_dim="category",
        fixed={},
    )
