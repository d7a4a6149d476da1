"""Audit chain: append rate (each append locks the head row) and verification rate.

TRM_MODE=test .venv/bin/python bench/bench_audit.py            # SQLite
DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_audit.py
"""

from __future__ import annotations

import resource
import time

from _django import percentiles, setup

where = setup("audit")

from trm.audit import record  # noqa: E402
from trm.audit.events import Action  # noqa: E402
from trm.audit.verification import verify_chain  # noqa: E402

print(f"database: {where}")
total = 0
for n in (10_000, 100_000):  # a busy node's month, and 10x
    latencies = []
    start = time.perf_counter()
    for i in range(n - total):
        t = time.perf_counter()
        record.record(None, Action.READ, object_type="cases.case", object_ref=f"C-{i}", fields=["status"])
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    total = n
    print(f"append {len(latencies):>7} entries: {len(latencies) / elapsed:8.0f}/s ({percentiles(latencies)})")
    start = time.perf_counter()
    report = verify_chain()
    elapsed = time.perf_counter() - start
    assert report.ok
    print(f"verify {report.entries:>7} entries: {report.entries / elapsed:8.0f}/s ({elapsed:.2f} s)")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
