"""Disclosure control: every figure that leaves the statistics app passes through here.

Pure functions (no Django), so that the rules can be read, tested and reasoned about alone.

A *cube* is a table of counts over a few dimensions (say year × category × citizenship) with
all its margins: a margin is written with ``TOTAL`` in place of a value. Several cubes are
released together (one per breakdown on the statistics page) and they share margins: the
cube year × category × sex and the cube year × category × citizenship both hold the total of
presumed victims in 2025. A cell is therefore known by its *identity*, the set of
(dimension, value) pairs that are not totals, and two cubes holding the same identity must
show the same figure and suppress it alike.

Rules (docs/statistics.md explains them and their limits):

1. Primary suppression: a count ``0 < n < k`` is never shown (default k = 11, as the CTDC).
   Zeros are shown.
2. Secondary suppression: along every line of every cube (all the cells that add up to one
   margin), the hidden cells must not be recoverable from the margin and the shown cells.
   Whenever a line hides exactly one of its cells and margin, or hides cells that add up to
   fewer than k under a shown margin, the smallest shown non-zero cell of that line is hidden
   too; when none is left, the margin itself is hidden (which then constrains the lines it
   belongs to).
3. Linked cubes: a cell hidden in one cube is hidden in every cube that holds it; the
   cubes are protected again until no cube hides anything new (``protect_family``).
4. Differencing: a query never produces a figure that is not a cell of a protected cube
   (periods are whole years, filters are dimensions of the cube), so two overlapping queries
   show cells of the same protected tables and their difference is protected by rule 2.

Line-by-line suppression is the usual practice of statistical offices for tables of this
size; it does not solve the general linear-programming attack on many linked tables, which is
why the family of cubes is fixed and small (see the limits in docs/statistics.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

TOTAL = "*"
DEFAULT_K = 11

Key = tuple[str, ...]
Identity = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Cube:
    """Counts over ``dims`` for every combination of the values seen, with all margins."""

    dims: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]  # per dimension, its values (no TOTAL), in order
    cells: Mapping[Key, int]

    def identity(self, key: Key) -> Identity:
        return frozenset((d, v) for d, v in zip(self.dims, key, strict=True) if v != TOTAL)


@dataclass(frozen=True)
class Protected:
    """A cube after disclosure control: ``shown[key]`` is the count, or None when hidden."""

    dims: tuple[str, ...]
    values: tuple[tuple[str, ...], ...]
    shown: Mapping[Key, int | None]
    k: int
    hidden: frozenset[Key] = field(default_factory=frozenset)

    def get(self, **where: str) -> int | None:
        """The cell where each named dimension has the given value; others are totals."""
        unknown = set(where) - set(self.dims)
        if unknown:
            raise KeyError(sorted(unknown)[0])
        return self.shown[tuple(where.get(d, TOTAL) for d in self.dims)]


def make_cube(
    dims: Sequence[str], rows: Iterable[tuple[Sequence[str], int]], *, values: Sequence[Sequence[str]] | None = None
) -> Cube:
    """Build a cube from (values, count) rows; absent combinations count 0.

    ``values`` may fix the list of values of each dimension (their order on the page);
    values in the rows but not in that list are appended.
    """
    dims = tuple(dims)
    base: dict[Key, int] = {}
    seen: list[list[str]] = [list(v) for v in values] if values is not None else [[] for _ in dims]
    if len(seen) != len(dims):
        raise ValueError("one list of values per dimension")
    for key, n in rows:
        key = tuple(str(v) for v in key)
        if len(key) != len(dims) or TOTAL in key:
            raise ValueError("a row has one value per dimension and no total")
        if n < 0:
            raise ValueError("counts are not negative")
        base[key] = base.get(key, 0) + int(n)
        for i, v in enumerate(key):
            if v not in seen[i]:
                seen[i].append(v)
    cells: dict[Key, int] = {}
    for key in itertools.product(*seen):
        n = base.get(key, 0)
        for mask in itertools.product((False, True), repeat=len(dims)):
            margin = tuple(TOTAL if m else v for v, m in zip(key, mask, strict=True))
            cells[margin] = cells.get(margin, 0) + n
    # Margins over a dimension with no value (no data at all) are zeros, not missing.
    for key in itertools.product(*[[*v, TOTAL] for v in seen]):
        cells.setdefault(key, 0)
    return Cube(dims=dims, values=tuple(tuple(v) for v in seen), cells=cells)


def _lines(cube: Cube) -> Iterable[tuple[Key, list[Key]]]:
    """Every line: (its margin, the cells that add up to it)."""
    for axis, axis_values in enumerate(cube.values):
        if not axis_values:
            continue
        for margin in cube.cells:
            if margin[axis] != TOTAL:
                continue
            members = [(*margin[:axis], v, *margin[axis + 1 :]) for v in axis_values]
            yield margin, members


def _protect_one(cube: Cube, k: int, forced: frozenset[Identity]) -> set[Key]:
    cells = cube.cells
    hidden = {key for key, n in cells.items() if 0 < n < k or cube.identity(key) in forced}
    lines = list(_lines(cube))
    changed = True
    while changed:
        changed = False
        for margin, members in lines:
            hid = [m for m in members if m in hidden]
            margin_hidden = margin in hidden
            unknowns = len(hid) + margin_hidden
            if unknowns == 0 or (unknowns > 1 and (margin_hidden or sum(cells[m] for m in hid) >= k)):
                continue
            # One unknown in an equation is solved by it; hidden cells adding up to fewer than k
            # under a shown margin are narrowed to a small range. Hide the smallest non-zero cell
            # still shown (a zero adds no uncertainty), else the margin, else a zero.
            shown = sorted((cells[m], m) for m in members if m not in hidden)
            nonzero = [m for n, m in shown if n > 0]
            if nonzero:
                hidden.add(nonzero[0])
            elif not margin_hidden:
                hidden.add(margin)
            else:
                hidden.add(shown[0][1])
            changed = True
    return hidden


def protect(cube: Cube, *, k: int = DEFAULT_K, forced: Iterable[Identity] = ()) -> Protected:
    """Primary and secondary suppression of one cube (see the module's rules 1 and 2)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    hidden = _protect_one(cube, k, frozenset(forced))
    shown = {key: (None if key in hidden else n) for key, n in cube.cells.items()}
    return Protected(dims=cube.dims, values=cube.values, shown=shown, k=k, hidden=frozenset(hidden))


def protect_family(cubes: Sequence[Cube], *, k: int = DEFAULT_K, forced: Iterable[Identity] = ()) -> list[Protected]:
    """Protect linked cubes together: a cell hidden in one is hidden in all (rule 3).

    ``forced``: identities hidden from the start (cells another release already hides).
    """
    linked: set[Identity] = set(forced)
    while True:
        results = [protect(c, k=k, forced=linked) for c in cubes]
        now = {c.identity(key) for c, p in zip(cubes, results, strict=True) for key in p.hidden}
        if now <= linked:
            return results
        linked |= now


def share(part: int | None, whole: int | None, *, k: int = DEFAULT_K) -> float | None:
    """A proportion shown only when both counts are shown and the whole is at least k."""
    if part is None or whole is None or whole < k:
        return None
    return part / whole


def mean(total: float, n: int, *, k: int = DEFAULT_K) -> float | None:
    """A mean over n cases, shown only when n is at least k."""
    if n < k:
        return None
    return total / n


# ------------------------------------------------------------------------------------------
# Differential privacy (publication): OpenDP's discrete Laplace mechanism on the base cells.


def dp_scale(epsilon: float) -> float:
    """The noise scale that makes a histogram epsilon-DP when a person adds or removes one count."""
    if not epsilon > 0:
        raise ValueError("epsilon must be positive")
    return 1.0 / epsilon


def dp_release(cube: Cube, *, epsilon: float) -> Cube:
    """An epsilon-differentially private version of ``cube`` (OpenDP, discrete Laplace).

    Each person is counted in exactly one base cell (one year, one category, one value of each
    dimension), so adding or removing a person changes the vector of base cells by 1 in L1
    norm. Noise is added to the base cells only; margins are sums of noisy cells
    (post-processing costs no privacy) and negative counts are clamped to 0. The values of
    each dimension must be public (a vocabulary), not taken from the data: a value seen
    only in the data would reveal that someone has it.
    """
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    measurement = dp.m.make_laplace(*space, scale=dp_scale(epsilon))
    privacy_map = cast(Callable[[int], float], measurement.map)
    if privacy_map(1) > epsilon * (1 + 1e-9):
        raise ValueError("the mechanism does not meet the privacy budget")
    base = [key for key in itertools.product(*cube.values)]
    noisy = measurement([cube.cells.get(key, 0) for key in base])
    rows = [(key, max(0, int(n))) for key, n in zip(base, noisy, strict=True)]
    return make_cube(cube.dims, rows, values=cube.values)
