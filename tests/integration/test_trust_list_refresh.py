"""Two real nodes on 127.0.0.1: one publishes the trust list, the other fetches it on schedule.

The publishing node (``se-nrm``, standing in for the network authority's node) serves the
list it holds at ``/trm/1/trust-list``; the fetching node (``bg-nrm``) has
``TRM_TRUST_LIST_URL`` pointing there and its exchange worker refreshes every second. A
third node (``ro-nrm``) only sends, from the command line. When the authority revokes
``ro-nrm`` in a new list, the fetching node applies it on its own and refuses the next
message ``ro-nrm`` sends, although ``ro-nrm`` still holds the old list. Each node is its own
process group with its own SQLite database; every wait is bounded and every process killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.localnet import copy_migrated
from tests.nodes import free_port, wait_for_inbox
from trm.exchange import jose
from trm.exchange.messages import format_time
from trm.exchange.trustlist import sign_trust_list

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NODES = {"se-nrm": "SE", "bg-nrm": "BG", "ro-nrm": "RO"}
PUBLISHER, FETCHER, SENDER = "se-nrm", "bg-nrm", "ro-nrm"
SEND = (
    "from trm.exchange import outbox; from trm.exchange.vectors import SAMPLE_BODIES; "
    "row = outbox.enqueue('case_notification', recipient='bg-nrm', body=SAMPLE_BODIES['case_notification'], "
    "purpose='assistance', legal_basis='consent', consent_ref='CONSENT-2026-0042'); print(row.message_id)"
)
OUTCOME = (
    "from trm.exchange.models import OutboxMessage; import json; "
    "row = OutboxMessage.objects.get(message_id='{mid}'); print(json.dumps([row.status, row.last_error]))"
)
LAST_CHANGE = (
    "from trm.audit.models import AuditEvent; "
    "e = AuditEvent.objects.filter(object_type='exchange.trustlist').order_by('seq').last(); "
    "print(e.action, e.actor_id, e.note)"
)


class Nodes:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.ports = {node: free_port() for node in NODES}
        self.procs: list[subprocess.Popen[bytes]] = []

    def url(self, node: str) -> str:
        return f"http://127.0.0.1:{self.ports[node]}"

    def env(self, node: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
        env.update(
            TRM_MODE="test",
            TRM_NODE_ID=node,
            TRM_COUNTRY=NODES[node],
            TRM_DATA_DIR=str(self.base / node),
            TRM_PUBLIC_URL=self.url(node),
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            **extra,
        )
        return env

    def trm(self, node: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "trm.cli", *args],
            env=self.env(node),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"trm {args[0]} on {node}: {done.stderr[-2000:]}"
        return done.stdout

    def shell(self, node: str, code: str) -> str:
        return self.trm(node, "shell", "--no-imports", "-c", code).strip().splitlines()[-1]

    def on_every_node(self, args: list[str]) -> dict[str, str]:
        procs = {
            node: subprocess.Popen(
                [sys.executable, "-m", "trm.cli", *args],
                env=self.env(node),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for node in NODES
        }
        outputs = {}
        for node, proc in procs.items():
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, f"{args[0]} on {node}: {err[-2000:]}"
            outputs[node] = out
        return outputs

    def spawn(self, node: str, *args: str, **extra: str) -> None:
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "trm.cli", *args],
                env=self.env(node, **extra),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def serve(self, node: str, **extra: str) -> None:
        bind = f"127.0.0.1:{self.ports[node]}"
        self.spawn(node, "serve", "--bind", bind, "--no-migrate", "--workers", "1", **extra)
        wait_for_inbox(self.url(node), name=node)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def signed_list(authority: jose.PrivateKey, entries: dict[str, dict[str, Any]], *, sequence: int) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    doc = {
        "v": "trm/1",
        "type": "trust_list",
        "network": "Synthetic refresh network",
        "sequence": sequence,
        "issued": format_time(now),
        "next_update": format_time(now + timedelta(days=7)),
        "expires": format_time(now + timedelta(days=14)),
        "nodes": [entries[node] for node in NODES],
    }
    return sign_trust_list(doc, authority_key=authority, now=now)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Nodes, jose.PrivateKey, dict[str, dict[str, Any]]]]:
    net = Nodes(tmp_path)
    try:
        for node in NODES:
            (tmp_path / node).mkdir()
        copy_migrated(
            [tmp_path / node / "trm.sqlite3" for node in NODES],
            lambda: net.trm(next(iter(NODES)), "migrate", "--verbosity", "0"),
        )
        entries = {node: json.loads(out) for node, out in net.on_every_node(["keys_export", "--init"]).items()}
        authority = jose.generate_signing_key()
        (tmp_path / "authority.json").write_text(json.dumps(jose.public_jwk(authority)))
        (tmp_path / "list-1.jws").write_text(signed_list(authority, entries, sequence=1))
        net.on_every_node(
            ["trustlist_import", str(tmp_path / "list-1.jws"), "--authority", str(tmp_path / "authority.json")]
        )
        yield net, authority, entries
    finally:
        net.stop_all()


def status(net: Nodes, node: str) -> dict[str, Any]:
    return dict(json.loads(net.trm(node, "trustlist_status", "--json")))


def send(net: Nodes) -> list[str]:
    """``ro-nrm`` sends a message to ``bg-nrm`` and delivers it now; its status and error."""
    mid = net.shell(SENDER, SEND)
    net.trm(SENDER, "exchange_worker", "--once", "--retry-base", "0.1", "--retry-cap", "0.2")
    return list(json.loads(net.shell(SENDER, OUTCOME.format(mid=mid))))


def test_a_node_applies_the_published_list_on_schedule_and_refuses_a_revoked_sender(nodes) -> None:
    net, authority, entries = nodes
    address = f"{net.url(PUBLISHER)}/trm/1/trust-list"
    net.serve(PUBLISHER)
    net.serve(FETCHER)
    net.spawn(FETCHER, "exchange_worker", TRM_TRUST_LIST_URL=address, TRM_TRUST_LIST_REFRESH_EVERY="1")

    # The fetcher finds the list it already holds: no change, but a successful fetch.
    first = wait_for("the first fetch", lambda: (s := status(net, FETCHER))["fetched_at"] and s)
    assert (first["sequence"], first["last_error"], first["problems"]) == (1, "", [])
    assert send(net) == ["delivered", ""]

    # The authority revokes ro-nrm in list 2 and publishes it on its node.
    entries[SENDER]["revoked"] = True
    (net.base / "list-2.jws").write_text(signed_list(authority, entries, sequence=2))
    assert "imported trust list 2" in net.trm(PUBLISHER, "trustlist_import", str(net.base / "list-2.jws"))

    # The fetcher's worker applies it on its own, audited by the system with what changed.
    applied = wait_for("the refresh to list 2", lambda: (s := status(net, FETCHER))["sequence"] == 2 and s)
    assert applied["last_error"] == "" and applied["failures"] == 0
    assert net.shell(FETCHER, LAST_CHANGE) == f"update None trust list 1 → 2; revoked: {SENDER}"
    assert status(net, SENDER)["sequence"] == 1  # the revoked node itself still holds list 1

    # From now on the fetcher refuses ro-nrm's messages, with a signed refusal the sender keeps.
    assert send(net) == ["rejected", "sender_revoked"]
