"""How fast trm/1 delivery recovers: a peer's outage, a killed worker, a hung peer.

Two real nodes on 127.0.0.1 (``tests/localnet.py``: each its own SQLite file, or its own
PostgreSQL database when DATABASE_URL names a server; gunicorn with 2 workers for the
receiver; the sender's ``trm exchange worker`` with its default settings), plus a listed
peer whose endpoint accepts connections and never answers. Three scenarios, in order:

1. **Outage.** A burst of messages to the receiver; 1 s into it the receiver refuses every
   connection for 4 s (a relay in front of it closes, cutting open connections too), then
   answers again. Prints how long after its return the queue was empty, the first
   delivery after its return, and the burst's latency percentiles (queued → delivered).
2. **Killed worker.** A burst; the sender's worker is SIGKILLed while it holds a claimed
   batch and restarted at once (as systemd would). Prints the latency of that batch
   (kill → delivered).
3. **Hung peer.** Messages to the hung peer, then a burst to the healthy receiver: prints
   the healthy peer's latency percentiles.

``--before REV`` runs the same scenarios first against the code of git revision REV (its
``src/`` exported to a temporary directory), so that one run prints before and after on
the same machine under the same load; the load average is printed around each scenario.
Every wait is bounded (``--limit``); the script stops by itself and kills its nodes.

    TRM_MODE=test .venv/bin/python bench/bench_recovery.py
    TRM_MODE=test .venv/bin/python bench/bench_recovery.py --before 3184a5b
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trm TRM_MODE=test .venv/bin/python bench/bench_recovery.py
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.localnet import LocalNet  # noqa: E402

SENDER, RECEIVER, HUNG = "se-bench", "bg-bench", "md-hung"
ENQUEUE = """
from trm.exchange import outbox
from trm.exchange.vectors import SAMPLE_BODIES
for to, n in {plan!r}:
    for _ in range(n):
        outbox.enqueue("case_notification", recipient=to, body=SAMPLE_BODIES["case_notification"],
                       purpose="assistance", legal_basis="consent", consent_ref="CONSENT-2026-0042")
print("[]")
"""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} / {five:.2f}"


def as_utc(value: Any) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def pick(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def spread(samples: list[float]) -> str:
    if not samples:
        return "none"
    return (
        f"p50 {pick(samples, 0.5):.2f} s, p95 {pick(samples, 0.95):.2f} s, max {max(samples):.2f} s (n={len(samples)})"
    )


class Bench:
    def __init__(self, net: LocalNet, limit: float) -> None:
        self.net = net
        self.limit = limit
        self.seen = 0  # outbox rows that earlier scenarios created

    def rows(self, where: str = "") -> list[tuple[Any, ...]]:
        # Conditions written in this file only, never input.
        query = f"SELECT id, recipient, status, created, finished_at FROM exchange_outboxmessage WHERE id > {self.seen}"  # noqa: S608
        return self.net.sql(SENDER, query + (f" AND {where}" if where else ""))

    def wait(self, check: Callable[[], bool], step: float = 0.05) -> bool:
        deadline = time.monotonic() + self.limit
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(step)
        return False

    def burst(self, plan: list[tuple[str, int]]) -> subprocess.Popen[bytes]:
        return self.net.spawn_python(SENDER, ENQUEUE.format(plan=plan))

    def delivered(self, recipient: str, n: int) -> Callable[[], bool]:
        def check() -> bool:
            done = self.rows(f"recipient = '{recipient}' AND status = 'delivered'")
            return len(done) >= n

        return check

    def finish(self) -> None:
        self.seen = max([r[0] for r in self.rows()] or [self.seen])

    # --- scenarios ----------------------------------------------------------------------

    def outage(self, n: int) -> str:
        proxy = self.net.proxies[RECEIVER]
        started = self.burst([(RECEIVER, n)])
        self.wait(lambda: bool(self.rows("status = 'delivered'")))
        time.sleep(1)
        proxy.down()
        time.sleep(4)
        proxy.up()
        back = datetime.now(UTC)
        started.communicate(timeout=self.limit)
        emptied = self.wait(self.delivered(RECEIVER, n), step=0.1)
        rows = self.rows("status = 'delivered'")
        latencies = [(as_utc(f) - as_utc(c)).total_seconds() for _, _, _, c, f in rows]
        after = [as_utc(f) for *_, f in rows if as_utc(f) > back]
        self.finish()
        if not emptied:
            return f"outage 4 s in a burst of {n}: {len(rows)} of {n} delivered {self.limit:.0f} s after the return"
        last = (max(after) - back).total_seconds() if after else 0.0
        first = (min(after) - back).total_seconds() if after else 0.0
        return (
            f"outage 4 s in a burst of {n}: queue empty {last:.1f} s after the peer's return "
            f"(first delivery after {first:.1f} s); latency {spread(latencies)}"
        )

    def killed_worker(self, n: int) -> str:
        started = self.burst([(RECEIVER, n)])
        if not self.wait(lambda: bool(self.rows("status = 'sending'")), step=0.01):
            return "killed worker: no claimed batch seen"
        self.net.kill_worker(SENDER)
        killed = datetime.now(UTC)
        claimed = [r[0] for r in self.rows("status = 'sending'")]
        self.net.start_worker(SENDER)
        started.communicate(timeout=self.limit)
        ids = ",".join(str(i) for i in claimed)
        done = self.wait(lambda: len(self.rows(f"id IN ({ids}) AND status = 'delivered'")) == len(claimed), step=0.1)
        rows = self.rows(f"id IN ({ids}) AND status = 'delivered'")
        latencies = [(as_utc(f) - killed).total_seconds() for *_, f in rows]
        self.wait(self.delivered(RECEIVER, n), step=0.1)
        self.finish()
        suffix = "" if done else f"; {len(claimed) - len(rows)} still waiting after {self.limit:.0f} s"
        return f"killed worker: its claimed batch of {len(claimed)} delivered after {spread(latencies)}{suffix}"

    def hung_peer(self, hung: int, n: int) -> str:
        self.burst([(HUNG, hung), (RECEIVER, n)]).communicate(timeout=self.limit)
        done = self.wait(self.delivered(RECEIVER, n), step=0.1)
        rows = self.rows(f"recipient = '{RECEIVER}' AND status = 'delivered'")
        latencies = [(as_utc(f) - as_utc(c)).total_seconds() for _, _, _, c, f in rows]
        self.finish()
        suffix = "" if done else f"; {n - len(rows)} of {n} not delivered within {self.limit:.0f} s"
        return f"hung peer ({hung} messages) beside a healthy one: healthy latency {spread(latencies)}{suffix}"


def run(label: str, src: Path, args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="trm-bench-recovery-"))
    net = LocalNet(tmp, {SENDER: "SE", RECEIVER: "BG"}, hung={HUNG: "MD"}, proxied=(RECEIVER,), src=src)
    try:
        started = time.perf_counter()
        net.prepare()
        net.start(RECEIVER, workers=2)
        net.start_worker(SENDER)
        print(f"[{label}] nodes ready in {time.perf_counter() - started:.0f} s ({load()})", flush=True)
        bench = Bench(net, args.limit)
        bench.burst([(RECEIVER, 20)]).communicate(timeout=args.limit)  # warm up
        bench.wait(bench.delivered(RECEIVER, 20))
        bench.finish()
        for scenario in (
            lambda: bench.outage(args.burst),
            lambda: bench.killed_worker(args.burst),
            lambda: bench.hung_peer(3, args.burst // 2),
        ):
            before = load()
            line = scenario()
            print(f"[{label}] {line} ({before} -> {load()})", flush=True)
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
    parser.add_argument("--burst", type=int, default=200, help="messages per burst (default: %(default)s)")
    parser.add_argument("--limit", type=float, default=300, help="longest wait of any step, in seconds")
    args = parser.parse_args()
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"bench_recovery: {database}, {os.cpu_count()} cores, {load()}", flush=True)
    if args.before:
        old = export(args.before)
        try:
            run(f"before {args.before}", old, args)
        finally:
            shutil.rmtree(old.parent, ignore_errors=True)
    run("after", ROOT / "src", args)


if __name__ == "__main__":
    main()
