"""Small-cell suppression, secondary suppression, linked tables, differencing and DP."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trm.statistics import disclosure
from trm.statistics.disclosure import TOTAL, make_cube, protect, protect_family


def _feasible_values(p: disclosure.Protected, cube: disclosure.Cube, limit: int) -> dict[tuple, set[int]]:
    """What an attacker who knows every shown cell and every line equation can derive (brute force)."""
    hidden = sorted(p.hidden)
    lines = list(disclosure._lines(cube))
    found: dict[tuple, set[int]] = {h: set() for h in hidden}

    def consistent(assign: dict[tuple, int], final: bool) -> bool:
        for margin, members in lines:
            cells = [margin, *members]
            if not final and any(c in p.hidden and c not in assign for c in cells):
                continue
            value = {c: assign[c] if c in p.hidden else p.shown[c] for c in cells}
            if value[margin] != sum(value[m] for m in members):
                return False
        return True

    def search(i: int, assign: dict[tuple, int]) -> None:
        if i == len(hidden):
            if consistent(assign, True):
                for h in hidden:
                    found[h].add(assign[h])
            return
        for v in range(limit + 1):
            assign[hidden[i]] = v
            if consistent(assign, False):
                search(i + 1, assign)
            del assign[hidden[i]]

    search(0, {})
    return found


def test_it_hides_small_counts_and_shows_zeros_and_large_ones():
    cube = make_cube(["nat"], [(["MD"], 2), (["RO"], 15), (["UA"], 0), (["AL"], 11)])
    p = protect(cube, k=11)
    assert p.get(nat="MD") is None
    assert p.get(nat="UA") == 0
    assert p.get(nat="RO") == 15
    assert p.get(nat="AL") is None  # the smallest other cell, so that 28 - 15 - 0 is not MD's 2


def test_a_lone_small_cell_is_not_recoverable_from_the_total():
    cube = make_cube(["nat"], [(["MD"], 2), (["RO"], 15), (["AL"], 30)])
    p = protect(cube, k=11)
    assert p.get() == 47
    assert p.get(nat="MD") is None
    # 47 - 30 would give 15 + 2 exactly if RO were shown: the smallest other cell goes too.
    assert p.get(nat="RO") is None
    assert p.get(nat="AL") == 30


def test_two_hidden_cells_adding_up_to_less_than_k_take_a_third():
    cube = make_cube(["nat"], [(["MD"], 2), (["RO"], 3), (["AL"], 30), (["UA"], 40)])
    p = protect(cube, k=11)
    assert p.get(nat="MD") is None and p.get(nat="RO") is None
    assert p.get(nat="AL") is None  # 2 + 3 < 11: the 5 would be narrowed to a tiny range
    assert p.get(nat="UA") == 40


def test_the_total_is_hidden_when_nothing_else_can_be():
    cube = make_cube(["nat"], [(["MD"], 2), (["RO"], 0)])
    p = protect(cube, k=11)
    assert p.get(nat="MD") is None
    assert p.get() is None


def test_a_small_group_of_three_dimensions_comes_back_hidden():
    # One nationality x age group x form with 2 people, inside a realistic table.
    rows = [
        (["MD", "12-17", "ForcedBegging"], 2),
        (["MD", "18-24", "ForcedBegging"], 25),
        (["MD", "12-17", "SexualExploitation"], 14),
        (["RO", "12-17", "ForcedBegging"], 18),
        (["RO", "18-24", "SexualExploitation"], 40),
    ]
    p = protect(make_cube(["nat", "age", "form"], rows), k=11)
    assert p.get(nat="MD", age="12-17", form="ForcedBegging") is None
    _assert_no_line_pins_a_hidden_cell(p, make_cube(["nat", "age", "form"], rows))


def _assert_no_line_pins_a_hidden_cell(p, cube):
    for margin, members in disclosure._lines(cube):
        unknown = [c for c in [margin, *members] if c in p.hidden]
        assert len(unknown) != 1, f"line {margin} pins {unknown}"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=7), min_size=4, max_size=4),
)
def test_no_hidden_cell_can_be_worked_out_from_a_two_by_two_table(counts):
    rows = [((a, b), n) for (a, b), n in zip(itertools.product("AB", "XY"), counts, strict=True)]
    cube = make_cube(["r", "c"], rows)
    p = protect(cube, k=3)
    feasible = _feasible_values(p, cube, limit=sum(counts))
    for key in p.hidden:
        assert len(feasible[key]) > 1, f"{key} pinned to {feasible[key]} in {counts}"
        if 0 < cube.cells[key] < 3:
            assert feasible[key] - {cube.cells[key]}


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5), min_size=6, max_size=6))
def test_no_hidden_cell_can_be_worked_out_from_a_two_by_three_table(counts):
    rows = [((a, b), n) for (a, b), n in zip(itertools.product("AB", "XYZ"), counts, strict=True)]
    cube = make_cube(["r", "c"], rows)
    p = protect(cube, k=3)
    _assert_no_line_pins_a_hidden_cell(p, cube)
    if len(p.hidden) <= 5:
        feasible = _feasible_values(p, cube, limit=sum(counts))
        for key in p.hidden:
            assert len(feasible[key]) > 1, f"{key} pinned in {counts}"


def test_the_differencing_attack_between_a_year_and_all_years_fails():
    """2 Moldovan victims in 2025: all years minus 2024 must not give them away."""
    rows = [(["2024", "MD"], 15), (["2025", "MD"], 2), (["2024", "RO"], 30), (["2025", "RO"], 40)]
    cube = make_cube(["year", "nat"], rows)
    p = protect(cube, k=11)
    all_years = p.get(nat="MD")
    in_2024 = p.get(year="2024", nat="MD")
    in_2025 = p.get(year="2025", nat="MD")
    assert in_2025 is None
    # Either the overall figure or the 2024 figure is hidden: their difference is never known.
    assert all_years is None or in_2024 is None
    # Nor through the other direction: 2025's total minus 2025's Romanians.
    assert p.get(year="2025") is None or p.get(year="2025", nat="RO") is None
    _assert_no_line_pins_a_hidden_cell(p, cube)


def test_the_differencing_attack_between_two_subgroups_fails():
    """All victims by nationality vs. children by nationality: the adults are the difference."""
    rows = [(["child", "MD"], 13), (["adult", "MD"], 2), (["child", "RO"], 20), (["adult", "RO"], 25)]
    p = protect(make_cube(["age", "nat"], rows), k=11)
    assert p.get(age="adult", nat="MD") is None
    assert p.get(nat="MD") is None or p.get(age="child", nat="MD") is None


def test_linked_tables_hide_a_shared_margin_in_both():
    # Both cubes hold the total per year. In the first, 2025's total must go (its cells are tiny);
    # the second would show it unless the family is protected together.
    by_nat = make_cube(["year", "nat"], [(["2024", "MD"], 40), (["2025", "MD"], 3), (["2025", "RO"], 0)])
    by_sex = make_cube(["year", "sex"], [(["2024", "F"], 20), (["2024", "M"], 20), (["2025", "F"], 3)])
    alone = protect(by_sex, k=11)
    family = protect_family([by_nat, by_sex], k=11)
    assert alone.get(year="2025") is None or alone.get(year="2025", sex="F") is None
    hidden_nat = {by_nat.identity(key) for key in family[0].hidden}
    hidden_sex = {by_sex.identity(key) for key in family[1].hidden}
    shared = {by_nat.identity(key) for key in by_nat.cells} & {by_sex.identity(key) for key in by_sex.cells}
    assert hidden_nat & shared == hidden_sex & shared
    assert frozenset({("year", "2025")}) in hidden_nat


def test_shares_and_means_need_k_cases():
    assert disclosure.share(3, 10, k=11) is None
    assert disclosure.share(None, 30, k=11) is None
    assert disclosure.share(15, 30, k=11) == 0.5
    assert disclosure.mean(40.0, 5, k=11) is None
    assert disclosure.mean(40.0, 20, k=11) == 2.0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="no total"):
        make_cube(["a"], [([TOTAL], 1)])
    with pytest.raises(ValueError, match="not negative"):
        make_cube(["a"], [(["x"], -1)])
    with pytest.raises(ValueError, match="one list"):
        make_cube(["a", "b"], [], values=[["x"]])
    with pytest.raises(ValueError, match="at least 1"):
        protect(make_cube(["a"], []), k=0)
    with pytest.raises(KeyError):
        protect(make_cube(["a"], [(["x"], 20)])).get(b="y")
    with pytest.raises(ValueError, match="positive"):
        disclosure.dp_release(make_cube(["a"], [(["x"], 20)]), epsilon=0)


def test_a_dp_release_keeps_the_public_values_and_adds_up():
    cube = make_cube(["sex"], [(["F"], 120), (["M"], 80)], values=[["F", "M", "unknown"]])
    noisy = disclosure.dp_release(cube, epsilon=1.0)
    assert noisy.values == cube.values
    assert all(n >= 0 for n in noisy.cells.values())
    assert noisy.cells[(TOTAL,)] == sum(noisy.cells[(v,)] for v in ("F", "M", "unknown"))
    # Discrete Laplace at scale 1: 120 stays within a wide band with overwhelming probability.
    assert 80 < noisy.cells[("F",)] < 160
