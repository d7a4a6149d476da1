"""The trust list refreshes itself from its published address (trm/1 §10.4, exchange/refresh.py).

The published address is answered by httpx.MockTransport; the list that this node holds
at the start is sequence 5 of the shell's synthetic network (shell_support).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from tests.exchange.shell_support import (
    AUTHORITY,
    OTHER_AUTHORITY,
    PEER,
    REVOKED_NODE,
    Net,
    setup_network,
    signed,
    trust_list_doc,
)
from trm.audit.models import AuditEvent
from trm.exchange import chores, jose, keys, refresh, transport
from trm.exchange.models import InboxMessage, TrustListState

URL = "https://authority.example/trm/1/trust-list"


@pytest.fixture
def net(db) -> Net:
    return setup_network()


@dataclass
class Address:
    """The published address: answers ``body`` with an ETag, or scripted failures."""

    body: bytes = b""
    script: list[object] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def publish(self, token: str) -> None:
        self.body = token.encode("ascii") + b"\n"

    @property
    def etag(self) -> str:
        return f'"{len(self.body)}-{hash(self.body) & 0xFFFF:x}"'

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        action = self.script.pop(0) if self.script else "ok"
        if action == "drop":
            raise httpx.ConnectError("connection refused", request=request)
        if action == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if isinstance(action, int):
            return httpx.Response(action, text="no")
        if request.headers.get("If-None-Match") == self.etag:
            return httpx.Response(304, headers={"ETag": self.etag})
        return httpx.Response(
            200, content=self.body, headers={"ETag": self.etag, "Content-Type": "application/trm1-trustlist+jws"}
        )

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


@pytest.fixture
def address() -> Address:
    return Address()


def run(address: Address) -> refresh.Outcome:
    with address.client() as client:
        return refresh.refresh(now=timezone.now(), url=URL, client=client)


def newer(sequence: int = 6) -> str:
    return signed(trust_list_doc(timezone.now(), sequence=sequence))


def revoking(doc: dict, node_id: str) -> dict:
    for entry in doc["nodes"]:
        if entry["node_id"] == node_id:
            entry["revoked"] = True
    return doc


def state() -> TrustListState:
    return TrustListState.objects.get(id=1)


def trust_list_audit() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="exchange.trustlist").order_by("seq"))


# --- applying ------------------------------------------------------------------------------


def test_a_newer_list_is_applied_and_the_change_audited_by_the_system(net: Net, address: Address) -> None:
    before = len(trust_list_audit())
    address.publish(signed(revoking(trust_list_doc(timezone.now(), sequence=6), PEER)))
    outcome = run(address)
    assert (outcome.result, outcome.previous, outcome.sequence) == ("applied", 5, 6)
    assert outcome.changes.revoked == (PEER,)
    row = state()
    assert (row.sequence, row.source_url, row.fetch_error, row.fetch_failures) == (6, URL, "", 0)
    assert row.fetched_at is not None and row.etag == address.etag
    assert keys.current_trust_list(now=timezone.now()).sequence == 6
    entries = trust_list_audit()[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.actor_id, entry.object_ref) == ("update", None, "6")
    assert entry.note == f"trust list 5 → 6; revoked: {PEER}"


def test_the_audit_names_nodes_added_removed_and_reinstated(net: Net, address: Address) -> None:
    doc = trust_list_doc(timezone.now(), sequence=7)
    doc["nodes"] = [n for n in doc["nodes"] if n["node_id"] != PEER]
    for entry in doc["nodes"]:
        if entry["node_id"] == REVOKED_NODE:
            entry["revoked"] = False
            del entry["revoked_at"]
    doc["nodes"].append({**doc["nodes"][-1], "node_id": "al.nrm", "country": "AL"})
    address.publish(signed(doc))
    outcome = run(address)
    assert outcome.changes.added == ("al.nrm",)
    assert outcome.changes.removed == (PEER,)
    assert outcome.changes.reinstated == (REVOKED_NODE,)
    assert trust_list_audit()[-1].note == (
        f"trust list 5 → 7; added: al.nrm; removed: {PEER}; reinstated: {REVOKED_NODE}"
    )


def test_the_audit_names_nodes_with_a_key_revoked(net: Net, address: Address) -> None:
    doc = trust_list_doc(timezone.now(), sequence=6)
    peer = next(entry for entry in doc["nodes"] if entry["node_id"] == PEER)
    peer["keys"][0]["revoked"] = True
    address.publish(signed(doc))
    assert run(address).changes.keys_revoked == (PEER,)
    assert trust_list_audit()[-1].note == f"trust list 5 → 6; keys revoked: {PEER}"


def test_a_long_change_is_counted_in_the_audit(net: Net) -> None:
    many = tuple(f"node-{i:03d}.nrm" for i in range(40))
    assert refresh.Changes(added=many, revoked=(PEER,)).summary() == "added 40, revoked 1"


def test_the_same_sequence_is_no_change_and_not_an_error(net: Net, address: Address) -> None:
    held = state().token
    address.publish(newer(sequence=5))  # signed again: another token, the same sequence
    before = len(trust_list_audit())
    outcome = run(address)
    assert (outcome.result, outcome.sequence) == ("unchanged", 5)
    row = state()
    assert row.token == held and row.fetch_error == "" and row.fetched_at is not None
    assert len(trust_list_audit()) == before


def test_an_unmodified_list_is_not_downloaded_again(net: Net, address: Address) -> None:
    address.publish(newer())
    assert run(address).result == "applied"
    outcome = run(address)
    assert outcome.result == "unchanged"
    assert address.requests[-1].headers["If-None-Match"] == address.etag
    assert address.requests[0].headers["Accept"] == "application/trm1-trustlist+jws"


def test_a_node_that_only_pinned_the_authority_fetches_its_first_list(db, address: Address) -> None:
    keys.init(now=timezone.now() - timedelta(days=1))
    keys.pin_authority(jose.public_jwk(AUTHORITY))
    address.publish(newer(sequence=1))
    outcome = run(address)
    assert (outcome.result, outcome.previous, outcome.sequence) == ("applied", None, 1)
    assert trust_list_audit()[-1].note.startswith("trust list - → 1; added: ")


# --- refusals --------------------------------------------------------------------------------


def test_a_rolled_back_list_is_refused_and_audited_once(net: Net, address: Address, caplog) -> None:
    address.publish(newer(sequence=4))
    before = len(trust_list_audit())
    with caplog.at_level(logging.WARNING, logger="trm.exchange.refresh"):
        outcome = run(address)
    assert (outcome.result, outcome.code, outcome.sequence) == ("refused", "trust_list_rollback", 5)
    row = state()
    assert (row.sequence, row.fetch_error, row.fetch_failures) == (5, "trust_list_rollback", 1)
    assert keys.current_trust_list(now=timezone.now()).sequence == 5
    entries = trust_list_audit()[before:]
    assert [(e.action, e.actor_id) for e in entries] == [("refused", None)]
    assert entries[0].note == "fetched trust list refused: trust_list_rollback: sequence 4 is older than 5"
    assert "authority.example" not in caplog.text
    # The same list at the next interval: one more failure, no second audit entry.
    assert run(address).result == "refused"
    assert state().fetch_failures == 2
    assert len(trust_list_audit()) == before + 1


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (lambda: newer().split(".", 1)[0] + ".e30." + "A" * 86, "trust_list_bad_signature"),
        (
            lambda: signed(trust_list_doc(timezone.now(), sequence=6), authority=OTHER_AUTHORITY),
            "trust_list_bad_signature",
        ),
        (lambda: '{"v": "trm/1", "type": "trust_list", "sequence": 9}', "trust_list_malformed"),
        (lambda: "", "trust_list_malformed"),
        (
            lambda: signed(
                trust_list_doc(
                    timezone.now() - timedelta(days=20),
                    sequence=9,
                    expires=timezone.now() - timedelta(days=1),
                ),
                now=timezone.now() - timedelta(days=20),
            ),
            "trust_list_expired",
        ),
    ],
    ids=["bad_signature", "other_authority", "unsigned", "empty", "expired"],
)
def test_a_list_that_does_not_verify_is_refused_and_audited(net: Net, address: Address, token, code: str) -> None:
    address.publish(token())
    outcome = run(address)
    assert (outcome.result, outcome.code) == ("refused", code)
    assert state().sequence == 5 and state().fetch_error == code
    assert trust_list_audit()[-1].action == "refused"
    assert trust_list_audit()[-1].note.startswith(f"fetched trust list refused: {code}")


def test_an_oversized_answer_is_refused_without_reading_it_all(net: Net, address: Address) -> None:
    address.body = b"A" * (refresh.READ_LIMIT * 3)
    assert run(address).code == "oversized"
    assert state().sequence == 5


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "reason"), [("drop", "connect"), ("timeout", "timeout"), (404, "http_404"), (503, "http_503")]
)
def test_a_failed_fetch_keeps_the_list_and_is_logged_without_the_address(
    net: Net, address: Address, caplog, action, reason: str
) -> None:
    address.publish(newer())
    address.script = [action]
    before = len(trust_list_audit())
    with caplog.at_level(logging.WARNING, logger="trm.exchange.refresh"):
        outcome = run(address)
    assert (outcome.result, outcome.code, outcome.sequence) == ("failed", reason, 5)
    assert (state().fetch_error, state().fetch_failures) == (reason, 1)
    assert len(trust_list_audit()) == before  # a network failure is no decision: logged only
    assert f"trust list fetch failed: {reason} (1 in a row)" in caplog.text
    assert "authority.example" not in caplog.text
    # The next interval succeeds: the error is cleared.
    assert run(address).result == "applied"
    assert (state().fetch_error, state().fetch_failures) == ("", 0)


@pytest.mark.parametrize(
    "url",
    ["http://authority.example/list", "https://user@authority.example/list", "ftp://x/list", "https://a.example/?x"],
)
def test_it_refuses_an_address_that_is_not_https(net: Net, address: Address, url: str) -> None:
    with address.client() as client:
        assert refresh.refresh(now=timezone.now(), url=url, client=client).code == "bad_url"
    assert address.requests == []


def test_it_fails_without_a_pinned_authority(db, address: Address) -> None:
    assert run(address).code == "no_authority_pinned"
    assert address.requests == []


def test_it_needs_an_address(db) -> None:
    with pytest.raises(refresh.NotConfigured):
        refresh.refresh(now=timezone.now())


# --- the effect on the inbox -----------------------------------------------------------------


def test_a_revoked_node_is_refused_by_the_inbox_after_the_next_refresh(net: Net, address: Address) -> None:
    inbox = Client()
    assert inbox.post("/trm/1/inbox", data=net.token(), content_type="application/trm1+jwe").status_code == 200
    address.publish(signed(revoking(trust_list_doc(timezone.now(), sequence=6), PEER)))
    assert run(address).result == "applied"
    answer = inbox.post("/trm/1/inbox", data=net.token(), content_type="application/trm1+jwe")
    assert answer.status_code == 403
    assert InboxMessage.objects.count() == 1


# --- the worker's chore ----------------------------------------------------------------------


@pytest.fixture
def published(net: Net, address: Address, monkeypatch) -> Address:
    monkeypatch.setattr(transport, "make_client", lambda **kw: address.client())
    address.publish(newer())
    return address


@override_settings(TRM_TRUST_LIST_URL=URL, TRM_TRUST_LIST_REFRESH_EVERY=600)
def test_the_worker_refreshes_once_per_interval(published: Address) -> None:
    now = timezone.now()
    assert refresh.refresh_due(now).result == "applied"
    assert refresh.refresh_due(now + timedelta(seconds=599)) is None
    assert len(published.requests) == 1
    published.publish(newer(sequence=7))
    assert refresh.refresh_due(now + timedelta(seconds=600)).sequence == 7


@override_settings(TRM_TRUST_LIST_URL=URL, TRM_TRUST_LIST_REFRESH_EVERY=600)
def test_of_two_workers_due_at_once_only_one_fetches(published: Address, monkeypatch) -> None:
    now = timezone.now()
    TrustListState.objects.update(fetch_attempted_at=now - timedelta(hours=1))
    seen_by_both = state()  # both workers read the row: the last attempt an hour ago
    assert refresh.refresh_due(now).result == "applied"  # the first claims it and fetches
    monkeypatch.setattr(TrustListState.objects, "get_or_create", lambda **kw: (seen_by_both, False))
    assert refresh.refresh_due(now) is None  # the second's claim finds the row changed
    assert len(published.requests) == 1


def test_the_worker_does_nothing_without_an_address(published: Address) -> None:
    assert refresh.refresh_due(timezone.now()) is None
    assert published.requests == []


@override_settings(TRM_TRUST_LIST_URL=URL, TRM_TRUST_LIST_REFRESH_EVERY=600)
def test_the_chore_runs_in_the_worker_pass(published: Address) -> None:
    chores._chores["refresh trust list"].next_at = 0.0  # due in this process, whatever ran before
    call_command("exchange_worker", "--once")
    assert state().sequence == 6


# --- commands ------------------------------------------------------------------------------


@override_settings(TRM_TRUST_LIST_URL=URL)
def test_the_refresh_command(published: Address, capsys) -> None:
    call_command("trustlist_refresh")
    assert capsys.readouterr().out.strip() == "applied trust list 6 (was 5)"
    call_command("trustlist_refresh")
    assert "unchanged: trust list 6 is the newest" in capsys.readouterr().out
    published.publish(newer(sequence=3))
    published.script = []
    TrustListState.objects.update(etag="")
    with pytest.raises(CommandError, match=r"refused \(trust_list_rollback\).*still holding 6"):
        call_command("trustlist_refresh")
    published.script = ["drop"]
    with pytest.raises(CommandError, match=r"fetch failed \(connect\)"):
        call_command("trustlist_refresh")


def test_the_refresh_command_needs_an_address(db) -> None:
    with pytest.raises(CommandError, match="TRM_TRUST_LIST_URL"):
        call_command("trustlist_refresh")


@override_settings(TRM_TRUST_LIST_URL=URL)
def test_the_status_command_shows_sequence_age_expiry_source_and_error(published: Address, capsys) -> None:
    call_command("trustlist_refresh")
    published.script = [503]
    with pytest.raises(CommandError):
        call_command("trustlist_refresh")
    capsys.readouterr()
    call_command("trustlist_status")
    out = capsys.readouterr().out
    assert "sequence:     6 (Synthetic shell test network)" in out
    assert "(age 1 h 0 min)" in out
    assert "expires:" in out and "(in 13 d 23 h)" in out
    assert f"source:       {URL}" in out
    assert "last error:   http_503 (1 failed in a row)" in out
    assert "status:       ok" in out
    call_command("trustlist_status", "--json")
    import json

    data = json.loads(capsys.readouterr().out)
    assert (data["sequence"], data["last_error"], data["problems"]) == (6, "http_503", [])


def test_the_status_check_fails_when_the_list_is_stale(net: Net, capsys) -> None:
    now = timezone.now()
    keys.import_trust_list(
        signed(trust_list_doc(now, sequence=6, issued=now - timedelta(days=20), expires=now + timedelta(hours=5))),
        now=now,
    )
    with pytest.raises(CommandError, match="expiring, old, overdue"):
        call_command("trustlist_status", "--check")
    assert "WARNING: expiring, old, overdue" in capsys.readouterr().out


def test_the_status_of_a_node_without_a_list(db, capsys) -> None:
    call_command("trustlist_status", "--check")
    out = capsys.readouterr().out
    assert "sequence:     none" in out and "fetched:      never" in out and "status:       ok" in out


# --- health ----------------------------------------------------------------------------------


def test_health_warns_after_repeated_failures(net: Net, address: Address) -> None:
    address.script = ["drop"] * refresh.FAILURES_WARN
    for _ in range(refresh.FAILURES_WARN - 1):
        run(address)
    assert refresh.health(now=timezone.now()).problems == ()
    run(address)
    assert refresh.health(now=timezone.now()).problems == ("failing",)


def test_health_warns_without_a_current_list_once_the_node_joined(net: Net) -> None:
    later = timezone.now() + timedelta(days=15)
    assert refresh.health(now=later).problems == ("no_current_list",)


# --- publishing: GET /trm/1/trust-list ---------------------------------------------------------


def test_a_node_serves_the_list_it_holds_with_an_etag(net: Net) -> None:
    response = Client().get("/trm/1/trust-list")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/trm1-trustlist+jws"
    assert response["Cache-Control"] == "public, no-cache"
    assert response.content.decode() == state().token
    assert "Last-Modified" in response
    again = Client().get("/trm/1/trust-list", headers={"If-None-Match": response["ETag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert Client().head("/trm/1/trust-list").status_code == 200
    assert Client().post("/trm/1/trust-list").status_code == 405


def test_what_a_node_serves_another_node_applies(net: Net, address: Address) -> None:
    keys.import_trust_list(newer(sequence=8), now=timezone.now())
    served = Client().get("/trm/1/trust-list").content
    TrustListState.objects.update(token=signed(trust_list_doc(timezone.now(), sequence=5)), sequence=5)
    address.body = served
    assert run(address).sequence == 8


@pytest.mark.parametrize("case", ["none", "expired", "re_pinned"])
def test_a_node_without_a_current_list_serves_none(net: Net, case: str) -> None:
    if case == "none":
        TrustListState.objects.update(token="")
    elif case == "expired":
        now = timezone.now()
        keys.import_trust_list(
            signed(trust_list_doc(now, sequence=6, expires=now + timedelta(seconds=1))),
            now=now,
        )
        TrustListState.objects.update(expires=now)
        import time

        time.sleep(1.1)
    else:
        keys.pin_authority(jose.public_jwk(OTHER_AUTHORITY), replace=True)
    response = Client().get("/trm/1/trust-list")
    assert response.status_code == 503 and response.content == b""
