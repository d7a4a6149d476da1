"""Extension points of the demo launcher for the apps that need more than a web server.

The exchange adds its key set-up, the demo trust list and the outbox worker here: after
every node is prepared, each generates its trm/1 keys and exports its public entry
(`trm keys export --init`); a demo network authority, whose key lives in the demo
directory (``network-authority.jwk``), signs a trust list of all nodes with their
loopback endpoints; every node pins that authority and imports the list (`trm trustlist
import --authority`). Each node then runs `trm exchange worker` beside its web server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trm.demo.network import DemoNode
    from trm.exchange.jose import PrivateKey

_CLI = [sys.executable, "-m", "trm.cli"]


def _run_all(nodes: tuple[DemoNode, ...], data_dir: Path, args: list[str]) -> list[str]:
    """Run one `trm` command on every node at once; their outputs, in node order."""
    from trm.demo.network import node_env

    procs = [
        subprocess.Popen([*_CLI, *args], env=node_env(node, data_dir), stdout=subprocess.PIPE, text=True)
        for node in nodes
    ]
    outputs = []
    for node, proc in zip(nodes, procs, strict=True):
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"`trm {' '.join(args)}` failed on {node.node_id}")
        outputs.append(out)
    return outputs


def _authority_key(directory: Path) -> PrivateKey:
    from trm.exchange import jose

    private = directory / "network-authority.jwk"
    if private.exists():
        key = jose.private_key_from_json(private.read_text(encoding="utf-8"), "sig")
    else:
        key = jose.generate_signing_key()
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(jose.private_key_to_json(key))
    public = json.dumps(jose.public_jwk(key), sort_keys=True)
    (directory / "network-authority.pub.json").write_text(public, encoding="utf-8")
    return key


def after_prepare(nodes: tuple[DemoNode, ...], data_dir: Path) -> None:
    """Runs once after every node is migrated and seeded (e.g. to exchange public keys)."""
    from django.utils import timezone

    from trm.exchange.messages import VERSION, format_time
    from trm.exchange.trustlist import sign_trust_list

    key = _authority_key(data_dir)
    entries = [json.loads(out) for out in _run_all(nodes, data_dir, ["keys_export", "--init"])]
    for entry, node in zip(entries, nodes, strict=True):
        entry["organisation"] = node.name
        entry["endpoint"] = node.url()
    now = timezone.now().replace(microsecond=0)
    doc: dict[str, Any] = {
        "v": VERSION,
        "type": "trust_list",
        "network": "TRM demo network (synthetic)",
        "sequence": int(time.time()),  # grows with every `make run`: never a rollback
        "issued": format_time(now),
        "next_update": format_time(now + timedelta(days=7)),
        "expires": format_time(now + timedelta(days=30)),
        "nodes": entries,
    }
    token_file = data_dir / "trust-list.jws"
    token_file.write_text(sign_trust_list(doc, authority_key=key, now=now) + "\n", encoding="ascii")
    authority = str(data_dir / "network-authority.pub.json")
    _run_all(nodes, data_dir, ["trustlist_import", str(token_file), "--authority", authority])
    if len(nodes) > 1:
        # A referral travels from the destination country to the first country of origin.
        from trm.demo.network import node_env

        subprocess.run(
            [*_CLI, "transnational_demo_send", "--to", nodes[1].node_id],
            env=node_env(nodes[0], data_dir),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )


def node_processes(node: DemoNode) -> list[list[str]]:
    """Extra `trm` commands to run beside each node's web server (e.g. its workers)."""
    # The demo's nodes start together: a short back-off lets the first messages through quickly.
    return [["exchange_worker", "--retry-base", "3", "--retry-cap", "60"]]
