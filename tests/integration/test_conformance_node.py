"""`trm conformance` against a real node process, set up as protocol.md §14.1 tells another
country to set up its own: export the entry, sign a conformance trust list, import it.

The same node is then restarted with its duplicate-member check switched off (a
``sitecustomize`` module makes its JSON parser keep the last value, as a lax parser would)
and the runner must report the failure and exit with status 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localnet import copy_migrated
from tests.nodes import free_port, wait_for_inbox

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NODE = "al-conformance"
BROKEN = "import trm.exchange.wire as wire\nwire._no_duplicates = dict  # a parser that keeps the last value\n"


class Node:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None

    def env(self, *extra_path: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
        path = [*(str(p) for p in extra_path), str(ROOT / "src")]
        env.update(
            {
                "TRM_MODE": "test",
                "TRM_NODE_ID": NODE,
                "TRM_COUNTRY": "AL",
                "TRM_DATA_DIR": str(self.base / "node"),
                "TRM_PUBLIC_URL": self.url,
                "PYTHONPATH": os.pathsep.join(path),
            }
        )
        return env

    def trm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "trm.cli", *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"trm {args[0]}: {done.stderr[-2000:]}"
        return done

    def start(self, *extra_path: Path) -> None:
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trm.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-migrate",
                "--workers",
                "1",
            ],
            env=self.env(*extra_path),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_inbox(self.url)

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=10)
        self.server = None


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[Node, Path]]:
    node = Node(tmp_path)
    try:
        (tmp_path / "node").mkdir()
        copy_migrated([tmp_path / "node" / "trm.sqlite3"], lambda: node.trm("migrate", "--verbosity", "0"))
        (tmp_path / "entry.json").write_text(node.trm("keys", "export", "--init").stdout)
        listed, authority = tmp_path / "conformance.jws", tmp_path / "authority.jwk"
        node.trm(
            "conformance",
            "trust-list",
            str(tmp_path / "entry.json"),
            "--out",
            str(listed),
            "--authority-out",
            str(authority),
        )
        node.trm("trustlist", "import", str(listed), "--authority", str(authority))
        yield node, listed
    finally:
        node.stop()


def test_a_real_node_passes_and_the_same_node_with_a_broken_check_fails(
    node: tuple[Node, Path], tmp_path: Path
) -> None:
    server, listed = node
    inbox = f"{server.url}/trm/1/inbox"
    server.start()
    passed = server.trm("conformance", inbox, "--trust-list", str(listed), check=False)
    assert passed.returncode == 0, passed.stdout[-4000:] + passed.stderr[-2000:]
    lines = passed.stdout.splitlines()
    assert "FAIL" not in passed.stdout
    assert lines[-1].startswith("passed ") and lines[-1].split()[1] == lines[-1].split()[3]
    server.stop()

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sitecustomize.py").write_text(BROKEN)
    server.start(broken)
    case = "c08_duplicate_asylum_seeker_true_false"
    failed = server.trm("conformance", inbox, "--trust-list", str(listed), "--case", case, check=False)
    assert failed.returncode == 1
    assert f"{case}" in failed.stdout and "200 accepted" in failed.stdout and "FAIL" in failed.stdout
    assert "does not conform" in failed.stderr
