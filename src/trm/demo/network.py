"""The demo network: one destination country and two countries of origin, each a node.

Each node is a separate process with its own SQLite database, port and data directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoNode:
    node_id: str
    country: str
    port: int
    name: str
    language: str = "en"  # the node's language (TRM_LANGUAGE): its pages open in it

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


_BASE_PORT = int(os.environ.get("TRM_DEMO_BASE_PORT", "8000"))
NODES: tuple[DemoNode, ...] = (
    DemoNode("se-nrm", "SE", _BASE_PORT, "Sweden NRM (destination)", "sv"),
    DemoNode("bg-nrm", "BG", _BASE_PORT + 1, "Bulgaria NRM (origin)", "bg"),
    DemoNode("ro-nrm", "RO", _BASE_PORT + 2, "Romania NRM (origin)", "ro"),
)


def node_env(node: DemoNode, data_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.pop("DATABASE_URL", None)  # every demo node has its own SQLite database
    env.update(
        {
            "TRM_MODE": "demo",
            "TRM_NODE_ID": node.node_id,
            "TRM_COUNTRY": node.country,
            "TRM_NODE_NAME": node.name,
            # TRM_DEMO_LANGUAGE (e.g. en) opens every node in one language instead of its own.
            "TRM_LANGUAGE": env.get("TRM_DEMO_LANGUAGE") or node.language,
            "TRM_DATA_DIR": str(data_dir / node.node_id),
            "TRM_PUBLIC_URL": node.url(),
            "TRM_DEMO_DIR": str(data_dir),
        }
    )
    return env


def launch(nodes: tuple[DemoNode, ...], data_dir: Path, *, serve: bool = True) -> int:
    """Prepare every node, then run them (and their workers) until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "trm.cli"]
    preparing = []
    for node in nodes:
        (data_dir / node.node_id).mkdir(parents=True, exist_ok=True)
        preparing.append(subprocess.Popen([*cli, "demo_node", "--prepare-only"], env=node_env(node, data_dir)))
    if any(p.wait() != 0 for p in preparing):
        raise SystemExit("a demo node could not be prepared (see the messages above)")
    from trm.demo import hooks

    hooks.after_prepare(nodes, data_dir)
    if not serve:
        return 0
    procs: list[subprocess.Popen[bytes]] = []
    for node in nodes:
        env = node_env(node, data_dir)
        procs.append(subprocess.Popen([*cli, "serve", "--bind", f"127.0.0.1:{node.port}", "--no-migrate"], env=env))
        for extra in hooks.node_processes(node):
            procs.append(subprocess.Popen([*cli, *extra], env=env))
    sys.stdout.write("\nThe demo network is running (synthetic data only):\n")
    for node in nodes:
        sys.stdout.write(f"  {node.name:<28} {node.url()}/\n")
    sys.stdout.write("Demo accounts and their current codes are on each login page. Ctrl+C stops all nodes.\n\n")
    sys.stdout.flush()

    def stop(*_: object) -> None:
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0
