"""Throughput and latency of the trm/1 protocol core (one process, one core).

    .venv/bin/python bench/bench_protocol.py [--quick] [--budget SECONDS]

For bodies of about 1 KB, 4 KB and 64 KB (an identity verification request whose
document copy is padded), and N = 2,000 and 20,000 messages, it prints:

* build+seal per second (sign with Ed25519, encrypt with ECDH-ES/A256GCM to X25519);
* open+verify per second (decrypt, verify, check envelope, body schema, replay);
* combined (build+seal+open per message);
* p50/p95/p99 latency of each phase, in milliseconds;
* peak memory: tracemalloc's peak over a traced pass of up to 2,000 messages, and the
  process's maximum resident set size at the end of the cell.

Each cell stops early when it exceeds its time budget (default 180 s) and says so, so the
script always ends by itself. ``--quick`` runs N = 200 and 2,000 instead.
"""

from __future__ import annotations

import argparse
import copy
import platform
import resource
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from trm.exchange import protocol, vectors
from trm.exchange.trustlist import canonical_json

SIZES = {"1 KB": 1024, "4 KB": 4096, "64 KB": 65536}


def body_of_size(size: int) -> dict[str, Any]:
    body = copy.deepcopy(vectors.SAMPLE_BODIES["identity_verification_request"])
    body["document_copies"] = [{"kind": "id_card", "media_type": "image/jpeg", "data": "AAAA"}]
    padding = size - len(canonical_json(body))
    body["document_copies"][0]["data"] = "A" * (4 + max(0, padding - padding % 4))
    return body


class Cell:
    def __init__(self, net: Any, body: dict[str, Any]) -> None:
        self.net = net
        self.body = body
        self.sender = net.keys["xk.sig"]
        self.recipient = net.trust_list.encryption_key("al.nrm", vectors.NOW)
        self.ours = [net.keys["al.enc.2025"], net.keys["al.enc.2026"]]
        self.seen: set[str] = set()

    def one(self) -> tuple[int, int, int]:
        """Build+seal then open one message; returns (bytes, seal ns, open ns)."""
        start = time.perf_counter_ns()
        message = vectors.sample_message(
            "identity_verification_request", body=self.body, message_id=uuid.uuid4(), now=vectors.NOW
        )
        token = protocol.seal(message, sender_key=self.sender, recipient_key=self.recipient, now=vectors.NOW)
        sealed = time.perf_counter_ns()
        opened = protocol.open_(
            token,
            our_node_id="al.nrm",
            our_keys=self.ours,
            trust_list=self.net.trust_list,
            now=vectors.NOW,
            seen=self.seen,
        )
        done = time.perf_counter_ns()
        self.seen.add(opened.id)
        return len(token), sealed - start, done - sealed


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index] / 1e6


def run_cell(net: Any, label: str, size: int, n: int, budget: float) -> dict[str, Any]:
    cell = Cell(net, body_of_size(size))
    seal_ns: list[int] = []
    open_ns: list[int] = []
    token_bytes = 0
    deadline = time.monotonic() + budget
    for _ in range(n):
        token_bytes, sealed, opened = cell.one()
        seal_ns.append(sealed)
        open_ns.append(opened)
        if time.monotonic() > deadline:
            break
    traced = min(len(seal_ns), 2000)
    memory_cell = Cell(net, body_of_size(size))
    tracemalloc.start()
    for _ in range(traced):
        memory_cell.one()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    done = len(seal_ns)
    total_seal = sum(seal_ns) / 1e9
    total_open = sum(open_ns) / 1e9
    return {
        "label": label,
        "n": n,
        "done": done,
        "token": token_bytes,
        "seal_rate": done / total_seal,
        "open_rate": done / total_open,
        "both_rate": done / (total_seal + total_open),
        "seal_p": [percentile(seal_ns, q) for q in (50, 95, 99)],
        "open_p": [percentile(open_ns, q) for q in (50, 95, 99)],
        "both_p": [percentile([a + b for a, b in zip(seal_ns, open_ns, strict=True)], q) for q in (50, 95, 99)],
        "peak_mib": peak / 2**20,
        "traced": traced,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 200 and 2,000")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds per cell before stopping early")
    args = parser.parse_args(argv)
    counts = (200, 2000) if args.quick else (2000, 20000)
    net = vectors._Network()
    print(f"trm/1 protocol core — Python {platform.python_version()} on {platform.machine()}, one process")
    print("build+seal = build, Ed25519 sign, ECDH-ES/A256GCM encrypt; open = decrypt, verify, all checks")
    header = (
        f"{'body':>6} {'N':>6} {'token':>7} | {'seal/s':>7} {'open/s':>7} {'both/s':>7} | "
        f"{'seal p50/p95/p99 ms':>20} | {'open p50/p95/p99 ms':>20} | {'both p50/p95/p99 ms':>20} | "
        f"{'peak MiB':>8} {'RSS MiB':>7}"
    )
    print(header)
    print("-" * len(header))
    for n in counts:
        for label, size in SIZES.items():
            r = run_cell(net, label, size, n, args.budget)
            stopped = "" if r["done"] == n else f"  (stopped after {r['done']} by the time budget)"
            print(
                f"{label:>6} {n:>6} {r['token']:>7} | {r['seal_rate']:>7.0f} {r['open_rate']:>7.0f} "
                f"{r['both_rate']:>7.0f} | "
                + " | ".join("/".join(f"{v:.2f}" for v in r[k]).rjust(20) for k in ("seal_p", "open_p", "both_p"))
                + f" | {r['peak_mib']:>8.2f} {r['rss_mib']:>7.0f}{stopped}",
                flush=True,
            )
    print("peak MiB = tracemalloc peak over a traced pass of min(N, 2000) messages; RSS = process maximum so far")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
