"""A conversation's link changes state one way: ``states.move`` applying ``states.TRANSITIONS``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from trm.lib.refusals import Conflict
from trm.transnational import states
from trm.transnational.models import Link, LinkStatus

ALLOWED = [(state, event, nxt) for state, moves in states.TRANSITIONS.items() for event, nxt in moves.items()]
EVENTS = sorted({event for _state, event, _nxt in ALLOWED})
REFUSED = [(state, event) for state in states.TRANSITIONS for event in EVENTS if event not in states.TRANSITIONS[state]]


def test_the_table_covers_every_state_and_leads_only_to_states() -> None:
    assert set(states.TRANSITIONS) == {states.NEW, *LinkStatus.values}
    assert {nxt for _s, _e, nxt in ALLOWED} <= set(LinkStatus.values)


@pytest.mark.parametrize(("state", "event", "nxt"), ALLOWED)
def test_it_makes_every_allowed_move(state: str, event: str, nxt: str) -> None:
    link = Link(status=state)
    assert states.may(link, event)
    assert states.move(link, event) == nxt and link.status == nxt


@pytest.mark.parametrize(("state", "event"), REFUSED)
def test_it_refuses_every_other_move_with_a_conflict(state: str, event: str) -> None:
    link = Link(status=state)
    assert not states.may(link, event)
    with pytest.raises(Conflict):
        states.move(link, event)
    assert link.status == state


def test_erasure_is_possible_from_every_stored_state_but_once() -> None:
    for state in LinkStatus.values:
        assert states.may(Link(status=state), "erase") == (state != LinkStatus.ERASED)


def test_the_closed_states_are_those_where_only_erasure_is_left() -> None:
    assert {s for s in LinkStatus.values if set(states.TRANSITIONS[s]) <= {"erase"}} == states.CLOSED


def _writes(call: ast.Call) -> bool:
    """A call that may store a status: building a Link, or a queryset's create/update."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "Link"
    return isinstance(func, ast.Attribute) and func.attr in ("create", "update", "get_or_create", "update_or_create")


def test_no_other_module_assigns_a_status() -> None:
    root = Path(states.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "states.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and _writes(node) and any(k.arg == "status" for k in node.keywords):
                offenders.append(f"{path.name}:{node.lineno} (status=)")
    assert not offenders, offenders
