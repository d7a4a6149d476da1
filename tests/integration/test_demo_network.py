"""`make run` as a person would use it: three node processes on 127.0.0.1, then a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.integration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_base_port(count: int = 3) -> int:
    for base in range(18700, 19700, 10):
        sockets = []
        try:
            for i in range(count):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                sockets.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free ports")


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()


def test_the_demo_starts_three_nodes_and_stops_cleanly(tmp_path):
    base = free_base_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
    env.update({"TRM_MODE": "demo", "TRM_DATA_DIR": str(tmp_path), "TRM_DEMO_BASE_PORT": str(base),
                "PYTHONPATH": os.path.join(ROOT, "src")})
    proc = subprocess.Popen(
        [sys.executable, "-m", "trm.cli", "demo"], env=env, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        pages = {}
        deadline = time.monotonic() + 240
        while len(pages) < 3 and time.monotonic() < deadline:
            for i in range(3):
                if i in pages:
                    continue
                try:
                    status, body = get(f"http://127.0.0.1:{base + i}/accounts/login/")
                except OSError:
                    continue
                pages[i] = (status, body)
            time.sleep(0.5)
        assert len(pages) == 3, "not every demo node answered within 240 s"
        assert all(status == 200 for status, _ in pages.values())
        assert "Sweden NRM (destination)" in pages[0][1]
        assert "Bulgaria NRM (origin)" in pages[1][1]
        assert "Romania NRM (origin)" in pages[2][1]
        assert "Demo accounts" in pages[1][1]
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["bg-nrm", "ro-nrm", "se-nrm"]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    for i in range(3):
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{base + i}/accounts/login/")
