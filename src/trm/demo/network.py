"""The demo network: one destination country and two countries of origin, each a node.

Each node is a separate process with its own SQLite database, port and data directory.
"""

from __future__ import annotations

import os
import shutil
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


DEMO_FILES = ("network-authority.jwk", "network-authority.pub.json", "trust-list.jws")


def reset(nodes: tuple[DemoNode, ...], data_dir: Path) -> None:
    """Delete what the demo made under data_dir (each node's folder and the demo network's files), nothing else."""
    for node in nodes:
        shutil.rmtree(data_dir / node.node_id, ignore_errors=True)
    for name in DEMO_FILES:
        (data_dir / name).unlink(missing_ok=True)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def launch(nodes: tuple[DemoNode, ...], data_dir: Path, *, serve: bool = True) -> int:
    """Prepare every node, then run them (and their workers) until interrupted."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "trm.cli"]
    fresh = [node for node in nodes if not (data_dir / node.node_id / "trm.sqlite3").exists()]
    _say(
        f"[1/3] Preparing {len(nodes)} nodes at once: migrating their databases"
        + (" and seeding synthetic data (about a minute the first time)" if fresh else "")
        + " ..."
    )
    for node in nodes:
        (data_dir / node.node_id).mkdir(parents=True, exist_ok=True)
    if len(fresh) > 1:
        # Migrations write nothing of a node's own: migrate one database and copy it to the
        # other new nodes, instead of every migration once per node.
        first = data_dir / fresh[0].node_id / "trm.sqlite3"
        migrate = subprocess.run([*cli, "migrate", "--verbosity", "0"], env=node_env(fresh[0], data_dir), check=False)
        if migrate.returncode:
            raise SystemExit("a demo node could not be prepared (see the messages above)")
        for node in fresh[1:]:
            shutil.copyfile(first, data_dir / node.node_id / "trm.sqlite3")
    preparing = []
    for node in nodes:
        preparing.append(subprocess.Popen([*cli, "demo_node", "--prepare-only"], env=node_env(node, data_dir)))
    if any(p.wait() != 0 for p in preparing):
        raise SystemExit("a demo node could not be prepared (see the messages above)")
    from trm.demo import hooks

    _say("[2/3] Connecting the nodes: keys, a signed trust list, and the demo's first referrals ...")
    hooks.after_prepare(nodes, data_dir)
    if not serve:
        return 0
    _say("[3/3] Starting each node's web server and exchange worker ...")
    procs: list[subprocess.Popen[bytes]] = []
    for node in nodes:
        env = node_env(node, data_dir)
        procs.append(subprocess.Popen([*cli, "serve", "--bind", f"127.0.0.1:{node.port}", "--no-migrate"], env=env))
        for extra in hooks.node_processes(node):
            procs.append(subprocess.Popen([*cli, *extra], env=env))
    _wait_until_up(nodes)
    _say(banner(nodes, data_dir))

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


def _wait_until_up(nodes: tuple[DemoNode, ...], timeout: float = 60.0) -> None:
    """Say where to go only once every node answers (its login page), or after the timeout."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    for node in nodes:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{node.url()}/accounts/login/", timeout=2):  # noqa: S310 # nosec B310 - loopback
                    break
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)


def banner(nodes: tuple[DemoNode, ...], data_dir: Path) -> str:
    """What to open and how to log in, said once every node is up."""
    from trm.demo.accounts import ACCOUNTS, DEMO_PASSWORD

    lines = ["", "The demo network is running (synthetic data only). Open:"]
    lines += [f"  {node.name:<28} {node.url()}/" for node in nodes]
    lines += [
        "",
        f"Log in as any of these accounts, password {DEMO_PASSWORD}; the second-factor codes are on the login page:",
    ]
    lines += [f"  {a.username:<12} {a.role.label}" for a in ACCOUNTS]
    lines += [
        "",
        f"E-mails the nodes send are written to {data_dir}/<node>/mail/.",
        "Ctrl+C stops all nodes; `make reset-demo` starts again from fresh synthetic data.",
        "",
    ]
    return "\n".join(str(line) for line in lines)
