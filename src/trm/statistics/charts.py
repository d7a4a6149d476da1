"""Charts as SVG drawn on the server: no script, no library, readable without colour.

Each chart is drawn from the same rows as the table beside it (``Table``), so that the
picture and the numbers cannot disagree. A hidden cell draws nothing and is marked with a
dash; a grey bar marked * shows a total whose split is hidden. Colours are classes
(``.chart .s0`` …) and fill attributes, and every segment has a <title> that screen readers
and mouse users read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HIDDEN = "—"

WIDTH = 720
LABEL = 200
ROW = 24
BAR = 16
TOP = 8
# Colours as presentation attributes too (the PDF renderer ignores CSS fills in SVG).
PALETTE = ("#1f5f8b", "#e07b39", "#4c9a5b", "#8e5ea2", "#c7a53a", "#7a7a7a")
SHADES = {"q-": "#f4f4f4", "q0": "#dbe9f3", "q1": "#a9cbe3", "q2": "#6ea6cd", "q3": "#3a7fb3", "q4": "#1f5f8b"}


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[int | None, ...]  # one per series
    total: int | None


@dataclass(frozen=True)
class Table:
    key: str  # a stable id for the page and the exports
    title: str
    row_title: str
    series: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    note: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows or all(r.total in (0, None) and not any(r.values) for r in self.rows)


def _fmt(n: int | None) -> str:
    return HIDDEN if n is None else f"{n:,}".replace(",", "\u202f")


def bars(table: Table) -> SafeString:
    """Horizontal stacked bars: one row per category, one segment per series."""
    if table.empty:
        return SafeString("")  # nothing to draw
    biggest = max(
        [r.total or sum(v or 0 for v in r.values) for r in table.rows] + [1],
    )
    plot = WIDTH - LABEL - 70
    height = TOP + ROW * len(table.rows) + 30
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(table.title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, row in enumerate(table.rows):
        y = TOP + i * ROW
        parts.append(
            f'<text class="label" x="{LABEL - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(row.label[:32])}</text>'
        )
        x = float(LABEL)
        if any(v is None for v in row.values) and row.total:
            # The split is hidden but the total is not: one plain bar for the total.
            w = plot * row.total / biggest
            parts.append(
                f'<rect class="whole" fill="#9aa5b1" x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{BAR}">'
                f"<title>{escape(row.label)}: {_fmt(row.total)}</title></rect>"
            )
            parts.append(
                f'<text class="value" x="{x + w + 6:.1f}" y="{y + BAR - 3}">{escape(_fmt(row.total))} *</text>'
            )
            continue
        for s, (name, value) in enumerate(zip(table.series, row.values, strict=True)):
            if not value:
                continue
            w = plot * value / biggest
            parts.append(
                f'<rect class="s{s % 6}" fill="{PALETTE[s % 6]}" x="{x:.1f}" y="{y}" '
                f'width="{max(w, 1):.1f}" height="{BAR}">'
                f"<title>{escape(row.label)}, {escape(name)}: {_fmt(value)}</title></rect>"
            )
            x += w
        parts.append(f'<text class="value" x="{x + 6:.1f}" y="{y + BAR - 3}">{escape(_fmt(row.total))}</text>')
    # Legend
    y = TOP + ROW * len(table.rows) + 12
    x = float(LABEL)
    if len(table.series) > 1:
        for s, name in enumerate(table.series):
            parts.append(f'<rect class="s{s % 6}" fill="{PALETTE[s % 6]}" x="{x:.1f}" y="{y}" width="12" height="12"/>')
            parts.append(f'<text class="legend" x="{x + 16:.1f}" y="{y + 10}">{escape(name[:28])}</text>')
            x += 24 + 7 * min(len(name), 28)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above  # nosec B308, B703


def matrix(table: Table) -> SafeString:
    """A flow matrix (rows: origin, columns: destination), shaded by size."""
    if table.empty:
        return SafeString("")  # nothing to draw
    cell = 44
    left = LABEL
    top = 90
    cols = table.series
    width = left + cell * len(cols) + 10
    height = top + cell * len(table.rows) + 10
    biggest = max([v or 0 for r in table.rows for v in r.values] + [1])
    parts = [
        f'<svg class="chart matrix" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(table.title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for j, name in enumerate(cols):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text class="label" transform="translate({x:.0f},{top - 6}) rotate(-45)">{escape(name[:18])}</text>'
        )
    for i, row in enumerate(table.rows):
        y = top + i * cell
        parts.append(
            f'<text class="label" x="{left - 8}" y="{y + cell / 2 + 4:.0f}" text-anchor="end">'
            f"{escape(row.label[:28])}</text>"
        )
        for j, value in enumerate(row.values):
            x = left + j * cell
            shade = "hidden" if value is None else f"q{min(4, int(5 * value / (biggest + 1)))}" if value else "q-"
            parts.append(
                f'<rect class="cell {shade}" fill="{SHADES.get(shade, "#ffffff")}" stroke="#999999" '
                f'x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}">'
                f"<title>{escape(row.label)} → {escape(cols[j])}: {_fmt(value)}</title></rect>"
            )
            if value != 0:
                parts.append(
                    f'<text class="cellvalue" x="{x + cell / 2 - 1:.0f}" y="{y + cell / 2 + 4:.0f}" '
                    f'text-anchor="middle">{escape(_fmt(value))}</text>'
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above  # nosec B308, B703
