"""`trm conformance` against a live node: this node's real inbox served on loopback.

The node under test is set up as docs/protocol.md §14 tells another country to set up
its own: it exports its entry, imports the conformance trust list and pins the test
vector authority. The runner then plays every case over HTTP. A node whose duplicate
member check is switched off (a parser that keeps the last value) must fail the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from trm.exchange import conformance, keys, suite, transport, wire
from trm.exchange.models import InboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def node(live_server, tmp_path: Path) -> tuple[str, Path]:
    """This node, trusting the conformance network; (inbox URL, trust-list file)."""
    now = timezone.now()
    keys.init(now=now)
    entry = tmp_path / "entry.json"
    call_command("keys_export", "--endpoint", live_server.url, stdout=entry.open("w"))
    listed, authority = tmp_path / "conformance.jws", tmp_path / "authority.jwk"
    call_command("conformance_trust_list", str(entry), "--out", str(listed), "--authority-out", str(authority))
    call_command("trustlist_import", str(listed), "--authority", str(authority))
    return f"{live_server.url}/trm/1/inbox", listed


def run(url: str, listed: Path, *names: str) -> list[conformance.Result]:
    trust_list = conformance.load(listed.read_text(), now=timezone.now())
    with transport.make_client() as client:
        return conformance.run(client=client, url=url, trust_list=trust_list, node_id=settings.TRM_NODE_ID, only=names)


def test_the_reference_node_passes_every_case(node: tuple[str, Path]) -> None:
    url, listed = node
    results = run(url, listed)
    assert len(results) == len(suite.cases())
    assert [(r.case.name, r.got, r.why) for r in results if not r.passed] == []
    # Only the accepted cases (and the tokens accepted before a replay) were stored.
    accepted = {r.case.name for r in results if r.case.expect == suite.ACCEPTED}
    assert InboxMessage.objects.count() == len(accepted) + 4


def test_a_node_that_keeps_the_last_duplicate_member_fails(
    node: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, listed = node
    # The broken node's JSON parser keeps the last value of a repeated member.
    monkeypatch.setattr(wire, "_no_duplicates", dict)
    names = ("c08_duplicate_asylum_seeker_true_false", "c08_duplicate_asylum_seeker_false_true", "c08_fraction")
    results = {r.case.name: r for r in run(url, listed, *names)}
    true_false = results["c08_duplicate_asylum_seeker_true_false"]
    assert not true_false.passed
    assert true_false.got == "200 accepted +id"  # the safeguard was decided by the parser
    false_true = results["c08_duplicate_asylum_seeker_false_true"]
    assert (false_true.passed, false_true.got) == (False, "451 asylum_seeker_identity_request +id")
    assert results["c08_fraction"].passed


def test_the_command_prints_the_table_and_fails_for_a_broken_check(
    node: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, listed = node
    args = ["conformance", url, "--trust-list", str(listed)]
    call_command(*args, "--case", "c07_extra_member", "--case", "accept_white_space_around")
    out = capsys.readouterr().out
    assert "c07_extra_member" in out and "passed 2 of 2" in out
    monkeypatch.setattr(wire, "_no_duplicates", dict)
    with pytest.raises(CommandError, match="does not conform"):
        call_command(*args, "--case", "c02_header_duplicate_member")
    out = capsys.readouterr().out
    assert "FAIL" in out and "passed 0 of 1; failed: c02_header_duplicate_member" in out


def test_it_refuses_a_list_that_is_not_a_conformance_list(node: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = node
    other = tmp_path / "other.jws"
    other.write_text("not a list")
    with pytest.raises(CommandError, match="not a current conformance trust list"):
        call_command("conformance", url, "--trust-list", str(other))


def test_the_trust_list_never_names_a_peer_as_the_node_under_test(tmp_path: Path) -> None:
    entry = tmp_path / "entry.json"
    entry.write_text(json.dumps({"node_id": conformance.SENDER}))
    with pytest.raises(CommandError, match="conformance peer"):
        call_command("conformance_trust_list", str(entry), "--out", str(tmp_path / "l"), "--authority-out", "a")
