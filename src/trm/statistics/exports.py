"""Exports of the protected figures: CSV, Excel, PDF, Eurostat and GRETA layouts, a CTDC extract.

Every export reads the protected snapshot (the CTDC extract, made k-anonymous from the facts,
is stored with it), says so when the period holds no victims, and is audited with its
parameters (format, year, breakdown, k), never with a figure.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.statistics import figures, tables
from trm.statistics.charts import HIDDEN, Table
from trm.statistics.disclosure import TOTAL, Protected
from trm.statistics.models import VICTIMS, CaseFact, Extract, Report, Snapshot

FORMATS = ("csv", "xlsx", "pdf", "eurostat", "greta", "ctdc")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(n: int | None) -> int | str:
    return HIDDEN if n is None else n


def _sum(*cells: int | None) -> int | None:
    return None if any(c is None for c in cells) else sum(c for c in cells if c is not None)


def page_tables(snapshot_figures: dict[str, Any], *, year: str | None, by: str | None) -> list[Table]:
    out = tables.victim_tables(snapshot_figures, year=year, by=by)
    out.append(tables.flow_table(snapshot_figures, year=year))
    out.append(tables.permit_table(snapshot_figures))
    out += [t for t, _means in tables.tally_tables(snapshot_figures, year=year)]
    return out


def table_lines(table: Table) -> list[list[Any]]:
    lines: list[list[Any]] = [[table.title], [table.row_title, *table.series, _("Total")]]
    for row in (*table.rows, *([table.total] if table.total else [])):
        lines.append([row.label, *(_cell(v) for v in row.values), _cell(row.total)])
    return lines


# ------------------------------------------------------------------------------------------
# Eurostat: registered victims (identified and presumed) by sex, age, citizenship, exploitation

SEX_COLUMNS = (("T", TOTAL), ("F", "female"), ("M", "male"), ("UNK", ("other", "unknown")))
CATEGORY_ROWS = (("REG", TOTAL), ("IDENT", "identified"), ("PRES", "presumed"))


def _get(p: Protected, **where: Any) -> int | None:
    """A cell, or the sum of cells when a value is a tuple (e.g. other and unknown sex)."""
    for dim, value in where.items():
        if isinstance(value, tuple):
            return _sum(*(_get(p, **{**where, dim: v}) for v in value))
    return p.get(**where)


def eurostat_sheets(snapshot_figures: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    k = snapshot_figures["k"]
    cubes = {n: figures.deserialise(d, k) for n, d in snapshot_figures["victims"].items()}
    years = snapshot_figures["years"]
    sheets = []
    layouts = [
        ("VICT_SEX", "sex", None, []),
        ("VICT_AGE", "sex.age_band", "age_band", [("Y_LT18", "child"), ("Y_GE18", "adult"), ("UNK", "unknown")]),
        (
            "VICT_CITIZEN",
            "sex.citizenship_group",
            "citizenship_group",
            [("NAT", "national"), ("EU27_OTH", "eu"), ("NEU27", "non_eu"), ("UNK", "unknown")],
        ),
        (
            "VICT_EXPLOIT",
            "sex.form_group",
            "form_group",
            [("SEX_EXP", "sexual"), ("LAB_EXP", "labour"), ("OTH", "other"), ("UNK", "unknown")],
        ),
    ]
    for name, cube, col_dim, columns in layouts:
        p = cubes[cube]
        header = ["TIME", "STATUS", "SEX", "TOTAL", *(code for code, _v in columns)]
        lines: list[list[Any]] = [header]
        for year in years:
            for status, category in CATEGORY_ROWS:
                for sex_code, sex in SEX_COLUMNS:
                    where = {"year": year, "category": category, "sex": sex}
                    row = [year, status, sex_code, _cell(_get(p, **where))]
                    row += [_cell(_get(p, **where, **{col_dim: v})) for _c, v in columns] if col_dim else []
                    lines.append(row)
        sheets.append((name, lines))
    # Citizenship country by country (rows), as Eurostat's detailed citizenship table.
    p = cubes["citizenship"]
    lines = [["CITIZEN", *(f"{y} {s}" for y in years for s, _c in CATEGORY_ROWS)]]
    for code in p.values[p.dims.index("citizenship")]:
        lines.append(
            [code.upper() if code != "unknown" else "UNK"]
            + [_cell(p.get(year=y, category=c, citizenship=code)) for y in years for _s, c in CATEGORY_ROWS]
        )
    sheets.append(("VICT_CITIZEN_DETAIL", lines))
    return sheets


def greta_lines(snapshot_figures: dict[str, Any]) -> list[list[Any]]:
    """GRETA's questionnaire, statistics part: one line per question and breakdown, a column per year."""
    k = snapshot_figures["k"]
    cubes = {n: figures.deserialise(d, k) for n, d in snapshot_figures["victims"].items()}
    permits = figures.deserialise(snapshot_figures["permits"], k)
    years = snapshot_figures["years"]
    lines: list[list[Any]] = [[_("Question"), _("Breakdown"), *years]]

    def line(question: str, breakdown: str, cube: str, **where: Any) -> None:
        lines.append([question, breakdown, *(_cell(_get(cubes[cube], year=y, **where)) for y in years)])

    for category, question in (("presumed", _("Presumed victims")), ("identified", _("Identified victims"))):
        line(question, _("Total"), "total", category=category)
        for sex, sex_label in (("female", _("Women and girls")), ("male", _("Men and boys"))):
            for band, band_label in (("child", _("children")), ("adult", _("adults"))):
                line(question, f"{sex_label}, {band_label}", "sex.age_band", category=category, sex=sex, age_band=band)
        for group in ("sexual", "labour", "other", "unknown"):
            line(question, tables.label("form_group", group), "form_group", category=category, form_group=group)
        for scope in ("internal", "transnational", "unknown"):
            line(question, tables.label("scope", scope), "scope", category=category, scope=scope)
    line(_("Victims granted a recovery and reflection period"), _("Total"), "reflection", reflection="yes")
    line(_("Victims who returned"), _("Total"), "returned", returned="yes")
    for kind in permits.values[1]:
        lines.append(
            [
                _("Residence permits issued"),
                tables.label("kind", kind),
                *(_cell(permits.get(year=y, kind=kind)) for y in years),
            ]
        )
    return lines


# ------------------------------------------------------------------------------------------
# CTDC / HTCDS de-identified extract: one line per victim, k-anonymous on its quasi-identifiers

CTDC_COLUMNS = (
    "yearOfRegistration",
    "traffickingStatus",
    "gender",
    "ageBroad",
    "majorityStatus",
    "citizenship",
    "CountryOfExploitation",
    "typeOfExploitConcatenated",
)
_STATUS = {"identified": "ActualVictimOfTrafficking", "presumed": "PossibleVictimOfTrafficking"}
_GENDER = {"female": "Feminine", "male": "Masculine", "other": "NonSpecifiedUnknown", "unknown": "NonSpecifiedUnknown"}


def _generalise(record_: dict[str, str], level: int) -> tuple[str, ...]:
    r = dict(record_)
    if level >= 1:  # citizenship to its group, age to child or adult
        r["citizenship"] = figures._citizenship_group(r["citizenship"])
        r["ageBroad"] = ""
    if level >= 2:  # form to its group, country of exploitation dropped
        r["typeOfExploitConcatenated"] = figures._form_group(r["typeOfExploitConcatenated"])
        r["CountryOfExploitation"] = ""
    if level >= 3:  # citizenship and gender dropped
        r["citizenship"] = ""
        r["gender"] = ""
    return tuple(r[c] for c in CTDC_COLUMNS)


def ctdc_groups(*, k: int) -> dict[str, list[list[Any]]]:
    """Victims' coded lines, generalised step by step until every combination has at least k lines.

    Grouped in the database (one row per distinct combination, with its count) and generalised
    with the counts, per year: ``{year: [[...CTDC columns..., n], ...]}``. Lines still in a group
    under k after the last step are left out. The year is a column of every step, so a group never
    spans two years and the extract of all years is the years' extracts together. The refresh
    stores the result with the snapshot (``Extract``).
    """
    combos = (
        CaseFact.objects.filter(category__in=VICTIMS)
        .values_list("year", "category", "sex", "age_group", "citizenship", "destination", "form")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pending: list[tuple[dict[str, str], int]] = [
        (
            {
                "yearOfRegistration": str(f[0]),
                "traffickingStatus": _STATUS[f[1]],
                "gender": _GENDER.get(f[2], "NonSpecifiedUnknown"),
                "ageBroad": f[3],
                "majorityStatus": figures.AGE_BAND.get(f[3], "adult"),
                "citizenship": f[4],
                "CountryOfExploitation": f[5],
                "typeOfExploitConcatenated": f[6],
            },
            n,
        )
        for *f, n in combos
    ]
    released: Counter[tuple[str, ...]] = Counter()
    for level in range(4):
        keys = [_generalise(r, level) for r, _n in pending]
        sizes: Counter[tuple[str, ...]] = Counter()
        for key, (_r, n) in zip(keys, pending, strict=True):
            sizes[key] += n
        for key, (_r, n) in zip(keys, pending, strict=True):
            if sizes[key] >= k:
                released[key] += n
        pending = [p for key, p in zip(keys, pending, strict=True) if sizes[key] < k]
    out: dict[str, list[list[Any]]] = {}
    for key, n in sorted(released.items()):
        out.setdefault(key[0], []).append([*key, n])
    return out


def ctdc_groups_of(snapshot: Snapshot, *, year: str | None) -> list[tuple[tuple[str, ...], int]]:
    """The snapshot's CTDC lines (of one year or all) as (line, how many victims it stands for)."""
    extract = Extract.objects.filter(snapshot=snapshot).first()
    groups = extract.lines if extract is not None else ctdc_groups(k=snapshot.k)
    chosen = [groups.get(year, [])] if year else [groups[y] for y in sorted(groups)]
    # Sorted when made, and each year's lines start with the year.
    return [(tuple(key), n) for lines in chosen for *key, n in lines]


def ctdc_csv(snapshot: Snapshot, *, year: str | None) -> str:
    """The extract as CSV, one line per victim: each distinct line is written once and repeated."""
    out = io.StringIO()
    csv.writer(out).writerow(CTDC_COLUMNS)
    for key, n in ctdc_groups_of(snapshot, year=year):
        line = io.StringIO()
        csv.writer(line).writerow(key)
        out.write(line.getvalue() * n)
    return out.getvalue()


# ------------------------------------------------------------------------------------------


def _csv(lines: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in lines:
        writer.writerow(line)
    return out.getvalue()


def _xlsx(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, lines in sheets:
        sheet = book.create_sheet(title=name[:31])
        for line in lines:
            sheet.append(list(line))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _has_victims(snapshot_figures: dict[str, Any], year: str | None) -> bool:
    if not snapshot_figures["years"]:
        return False
    total = figures.deserialise(snapshot_figures["victims"]["total"], snapshot_figures["k"])
    return total.get(year=year) != 0 if year else total.get() != 0


def report_pdf(snapshot: Snapshot, *, year: str | None, by: str | None) -> bytes:
    """The snapshot's PDF in the active language: laid out the first time it is asked for, then kept."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    kept = Report.objects.filter(snapshot=snapshot, year=year or "", by=by or "", language=language).first()
    if kept is not None:
        return bytes(kept.pdf)
    from weasyprint import HTML

    from trm.statistics.views import page_context

    html = render_to_string(
        "statistics/report.html",
        {"year": year, "snapshot": snapshot, **page_context(snapshot.figures, year=year, by=by)},
    )
    pdf = bytes(HTML(string=html).write_pdf())
    try:
        with transaction.atomic():
            Report.objects.create(snapshot=snapshot, year=year or "", by=by or "", language=language, pdf=pdf)
    except IntegrityError:
        pass  # laid out by another request a moment ago: the same bytes
    return pdf


def respond(request: HttpRequest, *, fmt: str, snapshot: Snapshot, year: str | None, by: str | None) -> HttpResponse:
    data = snapshot.figures
    k = snapshot.k
    note = f"statistics {fmt} year={year or 'all'} by={by or '-'} k={k} snapshot={snapshot.pk}"
    if not _has_victims(data, year):
        record(request.user, Action.EXPORT, object_type="statistics", object_ref=fmt, note=f"{note} empty")
        period = year or _("any year")
        return HttpResponse(
            _("There are no victims recorded for %(period)s: there is nothing to export.") % {"period": period},
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    stamp = timezone.localdate().isoformat()
    name = f"trm-statistics-{year or 'all'}-{stamp}"
    if fmt == "csv":
        lines: list[list[Any]] = []
        for table in page_tables(data, year=year, by=by):
            lines += [*table_lines(table), []]
        response = HttpResponse(_csv(lines), content_type="text/csv; charset=utf-8")
        filename = f"{name}.csv"
    elif fmt == "xlsx":
        sheets = [(t.key.replace(".", " "), table_lines(t)) for t in page_tables(data, year=year, by=by)]
        response = HttpResponse(_xlsx(sheets), content_type=XLSX)
        filename = f"{name}.xlsx"
    elif fmt == "eurostat":
        response = HttpResponse(_xlsx(eurostat_sheets(data)), content_type=XLSX)
        filename = f"trm-eurostat-thb-{stamp}.xlsx"
    elif fmt == "greta":
        response = HttpResponse(_xlsx([("GRETA", greta_lines(data))]), content_type=XLSX)
        filename = f"trm-greta-statistics-{stamp}.xlsx"
    elif fmt == "ctdc":
        response = HttpResponse(ctdc_csv(snapshot, year=year), content_type="text/csv; charset=utf-8")
        filename = f"trm-ctdc-extract-{year or 'all'}-{stamp}.csv"
    else:  # pdf
        response = HttpResponse(report_pdf(snapshot, year=year, by=by), content_type="application/pdf")
        filename = f"{name}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    record(request.user, Action.EXPORT, object_type="statistics", object_ref=fmt, note=note)
    return response
