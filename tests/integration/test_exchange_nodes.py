"""Three real nodes on 127.0.0.1 exchange trm/1 messages; a receiver killed mid-delivery
(before it stores, and right after it stored) still ends up with each message exactly once.

Each node is its own gunicorn process group with its own SQLite database and keys; the
trust list is signed by a test authority. The sender's worker runs with a short back-off.
Every wait is bounded, and every process is killed at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.localnet import copy_migrated
from tests.nodes import free_port, wait_for_inbox
from trm.exchange import jose, protocol
from trm.exchange.messages import format_time
from trm.exchange.trustlist import load_trust_list, sign_trust_list

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NODES = {"se-nrm": "SE", "bg-nrm": "BG", "ro-nrm": "RO"}
SENDER, RECEIVER, THIRD = "se-nrm", "bg-nrm", "ro-nrm"
ENQUEUE = (
    "from trm.exchange import outbox; from trm.exchange.vectors import SAMPLE_BODIES; "
    "row = outbox.enqueue('case_notification', recipient='{to}', body=SAMPLE_BODIES['case_notification'], "
    "purpose='assistance', legal_basis='consent', consent_ref='CONSENT-2026-0042'); print(row.message_id)"
)
RECEIPT = (
    "from trm.exchange.models import OutboxMessage; import json; "
    "row = OutboxMessage.objects.get(message_id='{mid}'); print(json.dumps([row.token, row.receipt]))"
)


class Network:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.ports = {node: free_port() for node in NODES}
        self.servers: dict[str, subprocess.Popen] = {}
        self.others: list[subprocess.Popen] = []

    def env(self, node: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
        env.update(
            {
                "TRM_MODE": "test",
                "TRM_NODE_ID": node,
                "TRM_COUNTRY": NODES[node],
                "TRM_DATA_DIR": str(self.base / node),
                "TRM_PUBLIC_URL": self.url(node),
                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
                **extra,
            }
        )
        return env

    def url(self, node: str) -> str:
        return f"http://127.0.0.1:{self.ports[node]}"

    def trm(self, node: str, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "trm.cli", *args],
            env=self.env(node),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"trm {args[0]} on {node}: {done.stderr[-2000:]}"
        return done.stdout

    def trm_all(self, args_for: dict[str, list[str]]) -> dict[str, str]:
        procs = {
            node: subprocess.Popen(
                [sys.executable, "-m", "trm.cli", *args],
                env=self.env(node),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for node, args in args_for.items()
        }
        outputs = {}
        for node, proc in procs.items():
            out, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, f"{args_for[node][0]} on {node}: {err[-2000:]}"
            outputs[node] = out
        return outputs

    def start(self, node: str, **extra: str) -> None:
        self.servers[node] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trm.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{self.ports[node]}",
                "--no-migrate",
                "--workers",
                "1",
            ],
            env=self.env(node, **extra),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_inbox(self.url(node), name=node)

    def kill(self, node: str) -> None:
        proc = self.servers.pop(node)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def spawn(self, node: str, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trm.cli", *args],
            env=self.env(node),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.others.append(proc)
        return proc

    def status(self, node: str, message_id: str | None = None) -> dict:
        args = ["exchange_status"] + (["--message", message_id] if message_id else [])
        return json.loads(self.trm(node, *args))

    def wait_for(self, what: str, check, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}")

    def stop_all(self) -> None:
        for proc in [*self.servers.values(), *self.others]:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def network(tmp_path):
    net = Network(tmp_path)
    try:
        for node in NODES:
            (tmp_path / node).mkdir()
        copy_migrated(
            [tmp_path / node / "trm.sqlite3" for node in NODES],
            lambda: net.trm(next(iter(NODES)), "migrate", "--verbosity", "0"),
        )
        exports = net.trm_all({node: ["keys_export", "--init"] for node in NODES})
        authority = jose.generate_signing_key()
        now = datetime.now(UTC).replace(microsecond=0)
        doc = {
            "v": "trm/1",
            "type": "trust_list",
            "network": "Synthetic integration network",
            "sequence": 1,
            "issued": format_time(now),
            "next_update": format_time(now + timedelta(days=1)),
            "expires": format_time(now + timedelta(days=2)),
            "nodes": [json.loads(exports[node]) for node in NODES],
        }
        net.token = sign_trust_list(doc, authority_key=authority, now=now)
        net.authority = authority.public()
        (tmp_path / "list.jws").write_text(net.token)
        (tmp_path / "authority.json").write_text(json.dumps(jose.public_jwk(authority)))
        net.trm_all(
            {
                node: ["trustlist_import", str(tmp_path / "list.jws"), "--authority", str(tmp_path / "authority.json")]
                for node in NODES
            }
        )
        yield net
    finally:
        net.stop_all()


def enqueue(net: Network, to: str) -> str:
    return net.trm(SENDER, "shell", "--no-imports", "-c", ENQUEUE.format(to=to)).strip().splitlines()[-1]


def delivered(net: Network, mid: str) -> dict | None:
    report = net.status(SENDER, mid)["message"]
    return report if report["outbox"][0]["status"] == "delivered" else None


def assert_valid_receipt(net: Network, mid: str, receiver: str) -> None:
    output = net.trm(SENDER, "shell", "--no-imports", "-c", RECEIPT.format(mid=mid))
    token, receipt = json.loads(output.strip().splitlines()[-1])
    now = datetime.now(UTC)
    trust_list = load_trust_list(net.token, authority_public_key=net.authority, now=now)
    checked = protocol.verify_receipt(
        receipt, sent_token=token, receiver=receiver, trust_list=trust_list, now=now, message_id=mid
    )
    assert checked.status in ("accepted", "duplicate")


def test_a_message_survives_a_receiver_killed_before_and_after_storing(network: Network) -> None:
    net = network
    for node in NODES:
        net.start(node)
    net.spawn(SENDER, "exchange_worker", "--interval", "0.2", "--retry-base", "0.2", "--retry-cap", "1")

    # 1. The three nodes talk: one message to each origin node.
    third = enqueue(net, THIRD)
    net.wait_for("delivery to the third node", lambda: delivered(net, third))
    assert net.status(THIRD, third)["message"]["inbox_rows"] == 1

    # 2. The receiver is down (SIGKILL) when the message is sent: the worker retries, then delivers.
    net.kill(RECEIVER)
    first = enqueue(net, RECEIVER)
    failing = net.wait_for(
        "failed attempts", lambda: (r := net.status(SENDER, first)["message"]["outbox"][0])["attempts"] >= 2 and r
    )
    assert failing["status"] == "pending" and failing["last_error"] == "connect"
    net.start(RECEIVER)
    report = net.wait_for("delivery after restart", lambda: delivered(net, first))
    assert report["inbox_rows"] == 0  # the sender's own inbox
    assert net.status(RECEIVER, first)["message"]["inbox_rows"] == 1
    assert_valid_receipt(net, first, RECEIVER)

    # 3. The receiver stores the message, then dies before answering (SIGKILL in the pause).
    net.kill(RECEIVER)
    net.start(RECEIVER, TRM_EXCHANGE_PAUSE_AFTER_STORE="30")
    second = enqueue(net, RECEIVER)
    net.wait_for("the receiver storing", lambda: net.status(RECEIVER, second)["message"]["inbox_rows"] == 1)
    assert net.status(SENDER, second)["message"]["outbox"][0]["status"] != "delivered"
    net.kill(RECEIVER)
    net.start(RECEIVER)
    net.wait_for("delivery of the stored message", lambda: delivered(net, second))
    received = net.status(RECEIVER, second)
    assert received["message"]["inbox_rows"] == 1
    assert received["inbox"] == {"received": 2}
    assert_valid_receipt(net, second, RECEIVER)
