"""trm/1 end to end: delivered messages per second between two nodes on 127.0.0.1.

The sender is this process (a node with its own database, using the worker's code path:
outbox.claim + deliver_one over one pooled httpx client); the receiver is a real node,
gunicorn with its own SQLite database, keys and trust list, on a free loopback port. N
case notifications (realistic: 200, a busy day of a national focal point; 10x: 2,000)
are enqueued, then drained; latency is one delivery (POST, open, store, audit, receipt,
receipt check, outbox update). Stops by itself.

    TRM_MODE=test .venv/bin/python bench/bench_exchange.py
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from _django import ROOT, percentiles, setup

os.environ.setdefault("TRM_NODE_ID", "bench-se")
os.environ.setdefault("TRM_COUNTRY", "SE")
where = setup("exchange")

from django.utils import timezone  # noqa: E402

from trm.exchange import jose, keys, outbox, transport  # noqa: E402
from trm.exchange.messages import format_time  # noqa: E402
from trm.exchange.models import OutboxMessage  # noqa: E402
from trm.exchange.trustlist import sign_trust_list  # noqa: E402
from trm.exchange.vectors import SAMPLE_BODIES  # noqa: E402

RECEIVER = "bench-bg"
WORKERS = int(os.environ.get("BENCH_RECEIVER_WORKERS", "2"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def receiver_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
    env.update(
        {
            "TRM_MODE": "test",
            "TRM_NODE_ID": RECEIVER,
            "TRM_COUNTRY": "BG",
            "TRM_DATA_DIR": str(data_dir),
            "TRM_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
    )
    return env


def trm(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trm.cli", *args], env=env, capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout


def main() -> None:
    print(f"sender database: {where}; receiver: SQLite node, gunicorn with {WORKERS} workers")
    tmp = Path(tempfile.mkdtemp(prefix="trm-bench-exchange-"))
    port = free_port()
    env = receiver_env(tmp, port)
    trm(env, "migrate", "--verbosity", "0")
    receiver_entry = json.loads(trm(env, "keys_export", "--init"))
    now = timezone.now()
    keys.init(now=now - timedelta(days=1))
    authority = jose.generate_signing_key()
    (tmp / "authority.json").write_text(json.dumps(jose.public_jwk(authority)))
    stamp = now.replace(microsecond=0)
    doc = {
        "v": "trm/1",
        "type": "trust_list",
        "network": "Bench network",
        "sequence": 1,
        "issued": format_time(stamp),
        "next_update": format_time(stamp + timedelta(days=1)),
        "expires": format_time(stamp + timedelta(days=2)),
        "nodes": [keys.export_entry(endpoint="http://127.0.0.1:1"), receiver_entry],
    }
    token = sign_trust_list(doc, authority_key=authority, now=stamp)
    (tmp / "list.jws").write_text(token)
    trm(env, "trustlist_import", str(tmp / "list.jws"), "--authority", str(tmp / "authority.json"))
    keys.pin_authority(jose.public_jwk(authority))
    keys.import_trust_list(token, now=now)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trm.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-migrate",
            "--workers",
            str(WORKERS),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/trm/1/inbox", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("receiver did not start") from None
                time.sleep(0.3)
        rng = random.Random(1)
        body = SAMPLE_BODIES["case_notification"]
        with transport.make_client() as client:
            for n in (200, 2_000):
                start = time.perf_counter()
                for _ in range(n):
                    outbox.enqueue(
                        "case_notification",
                        recipient=RECEIVER,
                        body=body,
                        purpose="assistance",
                        legal_basis="consent",
                        consent_ref="CONSENT-2026-0042",
                    )
                enqueue_rate = n / (time.perf_counter() - start)
                latencies: list[float] = []
                start = time.perf_counter()
                while batch := outbox.claim(50, now=timezone.now()):
                    for row in batch:
                        t = time.perf_counter()
                        outcome = outbox.deliver_one(row, client=client, now=timezone.now(), rng=rng)
                        latencies.append(time.perf_counter() - t)
                        assert outcome.status == "delivered", outcome
                elapsed = time.perf_counter() - start
                assert OutboxMessage.objects.exclude(status="delivered").count() == 0
                print(
                    f"{n:>5} messages: enqueue {enqueue_rate:6.0f}/s; delivered {len(latencies) / elapsed:6.1f}/s "
                    f"({elapsed:.1f} s); delivery {percentiles(latencies)}"
                )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
