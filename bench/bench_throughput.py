"""trm/1 throughput between two real nodes: referrals per second with receipts.

Two nodes on 127.0.0.1 (``tests/localnet.py``: each its own SQLite file, or its own
PostgreSQL database when DATABASE_URL names a server; its own keys; one trust list). The
receiver is its web server (``trm serve``, gunicorn, 2 workers); the sender is its
exchange worker (``trm exchange worker``), both with their default settings. For each
volume (realistic: 200 case notifications, a busy day of a national focal point; 10x:
2,000) it measures:

1. **Drain.** The messages are queued while the sender's worker is stopped (the time to
   build, sign, encrypt and store them is printed too), then the worker starts: delivered
   per second from the first receipt to the last, every one a signed ``accepted`` receipt
   that the sender verified.
2. **Burst.** The worker runs; another process queues the messages as fast as it can:
   latency from queueing to the verified receipt (p50/p95/p99) and the rate from the first
   queued to the last receipt.

After each volume: peak resident memory of the receiver's web processes and of the
sender's worker, the load average before and after, and a check that the receiver holds
each message exactly once. ``--before REV`` runs everything first on the code of git
revision REV (its ``src/`` exported to a temporary directory), so that one run prints the
baseline and the current code under the same machine load. Every wait is bounded; the
script stops by itself and kills its nodes.

    TRM_MODE=test .venv/bin/python bench/bench_throughput.py --before f8b08f6
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trm TRM_MODE=test .venv/bin/python bench/bench_throughput.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.localnet import LocalNet  # noqa: E402

SENDER, RECEIVER = "se-tput", "bg-tput"
ENQUEUE = """
import json, time
from trm.exchange import outbox
from trm.exchange.vectors import SAMPLE_BODIES
started = time.perf_counter()
for _ in range({n}):
    outbox.enqueue("case_notification", recipient={to!r}, body=SAMPLE_BODIES["case_notification"],
                   purpose="assistance", legal_basis="consent", consent_ref="CONSENT-2026-0042")
print(json.dumps(time.perf_counter() - started))
"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


def as_utc(value: Any) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def pick(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def group_peak_rss(pgid: int) -> tuple[int, float]:
    """(processes, largest peak RSS in MiB) of the live processes in a process group."""
    peaks: list[float] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return len(peaks), max(peaks, default=0.0)


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            continue
    return total


class Bench:
    def __init__(self, net: LocalNet, limit: float) -> None:
        self.net = net
        self.limit = limit
        self.seen = 0  # outbox rows of earlier phases

    def rows(self, where: str = "") -> list[tuple[Any, ...]]:
        # Conditions written in this file only, never input.
        query = f"SELECT id, status, created, finished_at FROM exchange_outboxmessage WHERE id > {self.seen}"  # noqa: S608
        return self.net.sql(SENDER, query + (f" AND {where}" if where else ""))

    def wait_delivered(self, n: int) -> bool:
        deadline = time.monotonic() + self.limit
        while time.monotonic() < deadline:
            if len(self.rows("status = 'delivered'")) >= n:
                return True
            time.sleep(0.1)
        return False

    def finish(self) -> None:
        self.seen = max([r[0] for r in self.rows()] or [self.seen])

    def enqueue(self, n: int) -> float:
        seconds: float = self.net.python(SENDER, ENQUEUE.format(n=n, to=RECEIVER), timeout=self.limit)
        return seconds

    def drain(self, n: int) -> str:
        self.net.kill_worker(SENDER)
        seconds = self.enqueue(n)
        server = self.net.servers[RECEIVER].pid
        self.net.start_worker(SENDER)
        worker = self.net.workers[SENDER].pid
        # CPU is counted from the first receipt on: the worker's start-up is not in it.
        deadline = time.monotonic() + self.limit
        while not (first := len(self.rows("status = 'delivered'"))) and time.monotonic() < deadline:
            time.sleep(0.02)
        web_cpu, worker_cpu = group_cpu(server), group_cpu(worker)
        done = self.wait_delivered(n)
        counted = max(1, n - first)
        worker_ms = (group_cpu(worker) - worker_cpu) * 1000 / counted
        web_ms = (group_cpu(server) - web_cpu) * 1000 / counted
        rows = self.rows("status = 'delivered'")
        finished = sorted(as_utc(r[3]) for r in rows)
        self.finish()
        if not done or len(finished) < 2:
            return f"drain {n}: only {len(rows)} delivered within {self.limit:.0f} s"
        span = (finished[-1] - finished[0]).total_seconds()
        bound = 2000 / (worker_ms + web_ms)
        return (
            f"drain {n}: queued at {n / seconds:.0f}/s; delivered {(len(finished) - 1) / span:.1f}/s "
            f"({span:.1f} s from the first receipt to the last); CPU per message: sender worker "
            f"{worker_ms:.1f} ms + receiver web {web_ms:.1f} ms = {worker_ms + web_ms:.1f} ms "
            f"(two idle cores: {bound:.0f}/s)"
        )

    def burst(self, n: int) -> str:
        started = self.net.spawn_python(SENDER, ENQUEUE.format(n=n, to=RECEIVER))
        out, _ = started.communicate(timeout=self.limit)
        queued_in = float(out.decode().strip().splitlines()[-1])
        done = self.wait_delivered(n)
        rows = self.rows("status = 'delivered'")
        latencies = [(as_utc(f) - as_utc(c)).total_seconds() * 1000 for _, _, c, f in rows]
        first = min(as_utc(c) for _, _, c, _ in rows)
        last = max(as_utc(f) for *_, f in rows)
        self.finish()
        suffix = "" if done else f"; only {len(rows)} of {n} within {self.limit:.0f} s"
        return (
            f"burst {n}: queued at {n / queued_in:.0f}/s; {len(rows) / (last - first).total_seconds():.1f}/s "
            f"from the first queued to the last receipt; queued -> receipt p50 {pick(latencies, 0.5):.0f} ms, "
            f"p95 {pick(latencies, 0.95):.0f} ms, p99 {pick(latencies, 0.99):.0f} ms{suffix}"
        )

    def exactly_once(self) -> str:
        ((stored, distinct),) = self.net.sql(
            RECEIVER, "SELECT COUNT(*), COUNT(DISTINCT message_id) FROM exchange_inboxmessage"
        )
        (delivered,) = self.net.sql(SENDER, "SELECT COUNT(*) FROM exchange_outboxmessage WHERE status = 'delivered'")[0]
        verdict = "exactly once" if stored == distinct == delivered else "MISMATCH"
        return f"receiver holds {stored} messages ({distinct} ids) for {delivered} delivered: {verdict}"

    def memory(self) -> str:
        server = self.net.servers[RECEIVER].pid
        worker = self.net.workers[SENDER].pid
        count, web = group_peak_rss(server)
        _, sender = group_peak_rss(worker)
        return f"peak RSS: receiver web {web:.0f} MiB (largest of {count} processes), sender worker {sender:.0f} MiB"


def run(label: str, src: Path, args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="trm-bench-throughput-"))
    net = LocalNet(tmp, {SENDER: "SE", RECEIVER: "BG"}, src=src)
    try:
        started = time.perf_counter()
        net.prepare()
        net.start(RECEIVER, workers=2)
        net.start_worker(SENDER)
        print(f"[{label}] nodes ready in {time.perf_counter() - started:.0f} s (load {load()})", flush=True)
        bench = Bench(net, args.limit)
        bench.enqueue(20)  # warm up: connections, caches, the first receipt
        bench.wait_delivered(20)
        bench.finish()
        for n in args.volumes:
            for phase in (bench.drain, bench.burst):
                before = load()
                line = phase(n)
                print(f"[{label}] {line} (load {before} -> {load()})", flush=True)
            print(f"[{label}] {bench.exactly_once()}; {bench.memory()}", flush=True)
    finally:
        net.close()
        shutil.rmtree(tmp, ignore_errors=True)


def export(rev: str) -> Path:
    where = Path(tempfile.mkdtemp(prefix="trm-bench-before-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", metavar="REV", help="also run the code of this git revision first")
    parser.add_argument(
        "--volumes", type=lambda s: [int(v) for v in s.split(",")], default=[200, 2000], help="default: 200,2000"
    )
    parser.add_argument("--limit", type=float, default=300, help="longest wait of any step, in seconds")
    args = parser.parse_args()
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"bench_throughput: {database}, {os.cpu_count()} cores, load {load()}", flush=True)
    if args.before:
        old = export(args.before)
        try:
            run(f"before {args.before}", old, args)
        finally:
            shutil.rmtree(old.parent, ignore_errors=True)
    run("after", ROOT / "src", args)


if __name__ == "__main__":
    main()
