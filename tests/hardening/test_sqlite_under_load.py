"""The embedded default holds: concurrent case-page reads and writes on a SQLite file.

Every case-page read appends to the audit chain, so reads write too. With deferred
transactions a read that upgrades to a write fails at once with "database is locked"; with
IMMEDIATE transactions, WAL and a busy timeout it waits its turn. Runs in a fresh
interpreter against a real database file (the test database is in memory).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_sqlite_settings_take_the_write_lock_up_front():
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.sqlite3":
        return
    options = default["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout=" in options["init_command"]
    assert default["CONN_HEALTH_CHECKS"] is True
    assert default["ATOMIC_REQUESTS"] is False


def test_concurrent_case_page_reads_and_writes_never_fail(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "TRM_MODE": "test",
        "TRM_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.hardening.sqlite_load", str(tmp_path / "load.sqlite3")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=540, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert "database is locked" not in done.stderr
    assert result["statuses"] == {"read 200": 24, "write 200": 8}
