"""Set up Django for a benchmark against a throw-away database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(name: str) -> str:
    """Configure settings for a fresh database and return its description."""
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TRM_MODE", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        base, _, _db = url.rpartition("/")
        os.environ["DATABASE_URL"] = f"{base}/bench_{name}"
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "bench_{name}"')
            conn.execute(f'CREATE DATABASE "bench_{name}"')
        where = f"PostgreSQL bench_{name}"
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"trm-bench-{name}-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        where = f"SQLite {tmp / 'bench.sqlite3'}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return where


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)

    def pick(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] * 1000

    return f"p50 {pick(0.50):.2f} ms, p95 {pick(0.95):.2f} ms, p99 {pick(0.99):.2f} ms"
