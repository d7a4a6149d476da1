"""Real demo nodes for integration and browser tests: the demo launcher on free loopback ports.

Each node is its own process group with its own SQLite database, keys and worker; the
launcher is stopped with SIGTERM (SIGKILL after 30 s), and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_base_port(count: int) -> int:
    """The first of ``count`` consecutive free ports on 127.0.0.1 (the demo numbers nodes from it).

    Each pytest-xdist worker searches its own range, so two tests starting networks at
    the same moment never race for the same ports.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    start = 18700 + 600 * (int(worker) if worker.isdigit() else 0)
    for base in range(start, start + 600, 10):
        taken: list[socket.socket] = []
        try:
            for i in range(count):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                taken.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in taken:
                s.close()
    raise RuntimeError("no free ports")


def free_port() -> int:
    """A loopback port free now (the OS's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_inbox(base_url: str, *, name: str = "the node", within: float = 60, step: float = 0.3) -> float:
    """Wait until a node's trm/1 inbox answers (405 to a GET); returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() < started + within:
        try:
            urllib.request.urlopen(f"{base_url}/trm/1/inbox", timeout=2)  # noqa: S310 - loopback
        except urllib.error.HTTPError as err:
            if err.code == 405:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(step)
    raise AssertionError(f"{name} did not start within {within:.0f} s")


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()


class NodeUrls(list[str]):
    """The nodes' base URLs, and the process group of the launcher and its nodes."""

    pgid: int = 0


def _copy_migrated_demo(data_dir: Path, nodes: int, env: dict[str, str]) -> None:
    from tests.localnet import copy_migrated
    from trm.demo.network import NODES

    ids = [node.node_id for node in NODES[:nodes]]
    first = data_dir / ids[0]

    def migrate() -> None:
        first.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "trm.cli", "migrate", "--verbosity", "0"],
            env={**env, "TRM_MODE": "test", "TRM_NODE_ID": ids[0], "TRM_DATA_DIR": str(first)},
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    copy_migrated([data_dir / node_id / "trm.sqlite3" for node_id in ids], migrate)


@contextlib.contextmanager
def demo_network(
    data_dir: Path,
    *,
    nodes: int = 3,
    start_within: float = 240,
    history: int = 0,
    language: str | None = "en",
    migrated: bool = True,
) -> Iterator[NodeUrls]:
    """Run `trm demo --nodes N` and yield the nodes' base URLs once every login page answers.

    ``history``: past synthetic cases per node (the demo's statistics); none unless a test
    reads figures, since seeding them slows every node's start. ``language``: every node's
    language (TRM_DEMO_LANGUAGE); None leaves each node in its country's language. ``migrated``:
    start the nodes from the kept migrated database (``tests.localnet.copy_migrated``) instead of
    letting the launcher migrate one (``make run``'s own path, which test_demo_network keeps).
    """
    base = free_base_port(nodes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
    env.update(
        {
            "TRM_MODE": "demo",
            "TRM_DATA_DIR": str(data_dir),
            "TRM_DEMO_BASE_PORT": str(base),
            "TRM_DEMO_HISTORY": str(history),
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    if language:
        env["TRM_DEMO_LANGUAGE"] = language
    if migrated:
        _copy_migrated_demo(data_dir, nodes, env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "trm.cli", "demo", "--nodes", str(nodes)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    urls = NodeUrls(f"http://127.0.0.1:{base + i}" for i in range(nodes))
    urls.pgid = proc.pid  # the launcher leads its own session: every node is in this group
    try:
        ready: set[str] = set()
        deadline = time.monotonic() + start_within
        while len(ready) < nodes and time.monotonic() < deadline:
            for url in urls:
                with contextlib.suppress(OSError):
                    get(f"{url}/accounts/login/")
                    ready.add(url)
            time.sleep(1)
        assert len(ready) == nodes, f"not every demo node answered within {start_within:.0f} s"
        yield urls
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
