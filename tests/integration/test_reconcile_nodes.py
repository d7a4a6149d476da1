"""Two real nodes reconcile a period over trm/1 ``exchange_summary``, with one message deliberately lost.

Sweden sends Bulgaria three messages and Bulgaria sends one back; Bulgaria then loses one
of Sweden's messages (its row is deleted, as a restore from an older backup would). Sweden
runs ``trm exchange reconcile --ask --wait``: its summary goes to Bulgaria, Bulgaria's
worker compares it and answers with its own, and both nodes report exactly that message.
Each node is its own gunicorn process and worker with its own SQLite database; every wait
is bounded and every process is killed at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.test_exchange_nodes import ENQUEUE, ROOT, Network
from tests.localnet import copy_migrated
from trm.exchange import jose
from trm.exchange.messages import format_time
from trm.exchange.trustlist import sign_trust_list

pytestmark = pytest.mark.integration

SWEDEN, BULGARIA = "se-nrm", "bg-nrm"
LOSE = (
    "from trm.exchange.models import InboxMessage; print(InboxMessage.objects.filter(message_id='{mid}').delete()[0])"
)
OUTBOX = (
    "from trm.exchange.models import OutboxMessage; "
    "print(sorted(OutboxMessage.objects.values_list('status', flat=True)))"
)


@pytest.fixture
def two_nodes(tmp_path):
    net = Network(tmp_path)
    nodes = (SWEDEN, BULGARIA)
    try:
        for node in nodes:
            (tmp_path / node).mkdir()
        copy_migrated(
            [tmp_path / node / "trm.sqlite3" for node in nodes],
            lambda: net.trm(nodes[0], "migrate", "--verbosity", "0"),
        )
        exports = net.trm_all({node: ["keys_export", "--init"] for node in nodes})
        authority = jose.generate_signing_key()
        now = datetime.now(UTC).replace(microsecond=0)
        doc = {
            "v": "trm/1",
            "type": "trust_list",
            "network": "Synthetic reconciliation network",
            "sequence": 1,
            "issued": format_time(now),
            "next_update": format_time(now + timedelta(days=1)),
            "expires": format_time(now + timedelta(days=2)),
            "nodes": [json.loads(exports[node]) for node in nodes],
        }
        (tmp_path / "list.jws").write_text(sign_trust_list(doc, authority_key=authority, now=now))
        (tmp_path / "authority.json").write_text(json.dumps(jose.public_jwk(authority)))
        net.trm_all(
            {
                node: ["trustlist_import", str(tmp_path / "list.jws"), "--authority", str(tmp_path / "authority.json")]
                for node in nodes
            }
        )
        for node in nodes:
            net.start(node)
            net.spawn(node, "exchange_worker", "--interval", "0.2", "--retry-base", "0.2", "--retry-cap", "1")
        yield net
    finally:
        net.stop_all()


def enqueue(net: Network, sender: str, to: str) -> str:
    return net.trm(sender, "shell", "--no-imports", "-c", ENQUEUE.format(to=to)).strip().splitlines()[-1]


def reconcile(net: Network, node: str, *args: str) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "trm.cli", "exchange", "reconcile", *args, "--json"],
        env=net.env(node),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout, done.stderr[-2000:]
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def test_two_nodes_report_exactly_the_message_one_of_them_lost(two_nodes: Network) -> None:
    net = two_nodes
    start = format_time(datetime.now(UTC) - timedelta(minutes=5))
    ours = [enqueue(net, SWEDEN, BULGARIA) for _ in range(3)]
    theirs = enqueue(net, BULGARIA, SWEDEN)
    net.wait_for(
        "delivery",
        lambda: (
            net.trm(SWEDEN, "shell", "--no-imports", "-c", OUTBOX)
            .strip()
            .endswith("['delivered', 'delivered', 'delivered']")
        ),
    )
    net.wait_for("delivery back", lambda: net.status(SWEDEN, theirs)["message"]["inbox_rows"] == 1)
    lost = ours[1]
    assert net.trm(BULGARIA, "shell", "--no-imports", "-c", LOSE.format(mid=lost)).strip().endswith("1")
    time.sleep(1.1)  # a period ends at a whole second by now: let the messages' second end

    code, report = reconcile(net, SWEDEN, "--peer", BULGARIA, "--from", start, "--ask", "--wait", "60")
    assert code == 1, report
    assert not report["uncovered"] and report["compared"]
    assert [(f["message_id"], f["kind"], f["here"], f["there"], f["from"], f["to"]) for f in report["findings"]] == [
        (lost, "only_here", "delivered", "", SWEDEN, BULGARIA)
    ]

    # Bulgaria compared Sweden's summary when it arrived: the same message, seen from its side.
    code, mirror = reconcile(net, BULGARIA, "--peer", SWEDEN, "--from", start, "--to", report["period_end"])
    assert code == 1, mirror
    assert [(f["message_id"], f["kind"], f["here"], f["there"]) for f in mirror["findings"]] == [
        (lost, "only_there", "", "delivered")
    ]
