"""The load client against one real node, briefly: two users, every scenario, no server error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_two_users_run_every_scenario_without_a_server_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_load.py"), "--levels", "2", "--seconds", "4", "--workers", "1",
         "--threads", "2"],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    for op in ("login", "case list", "case page", "screening", "referral", "withdraw referral", "inbox receive"):
        row = next(line for line in out.splitlines() if line.strip().startswith(op + " "))
        assert row.rstrip().endswith("none"), row  # no error of any status
    assert "5xx: 0" in out
