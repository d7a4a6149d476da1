"""Concurrent users against a real node: latency, throughput and errors under load.

Starts one demo node (gunicorn with a few workers and threads, on a free 127.0.0.1 port; its
own SQLite file, or the PostgreSQL database ``trm_load``, dropped and recreated, on the
server that DATABASE_URL names), seeds it (demo data, bulk synthetic cases, one focal-point
account per virtual user, each with an open adult case that has consent to a shelter with
unlimited places), trusts a synthetic sender node, then runs each load level in turn. Every
virtual user logs in once (password + TOTP; the users of a level together, at most
workers x threads logins in flight), then, until the level's
time or request budget is spent, repeats (with no think time unless --think; a round once
begun is finished unless it runs past twice the level's time):

    case list -> case page -> save a screening -> national referral (-> withdraw it)
    -> a sealed trm/1 case notification POSTed to the inbox

(``--ops read``: only the case list and the case page, for the caseload runs; ``--ops
write``: only the four writes, to load the database's locks). Prints per
operation p50/p95/p99 latency, throughput and errors by status, with the load average at
the start and end of each level; the first level (one user by default) is the baseline the
others are compared with, because the machine is shared. Stops by itself and kills the node.

    .venv/bin/python bench/bench_load.py                                # SQLite; 1, 10, 50, 200 users
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trm_load .venv/bin/python bench/bench_load.py
    .venv/bin/python bench/bench_load.py --cases 100000 --ops read --levels 1,50
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# The pure trm/1 core (no Django): the load client seals its own messages.
from trm.exchange import jose, protocol  # noqa: E402
from trm.exchange.messages import format_time  # noqa: E402
from trm.exchange.trustlist import sign_trust_list  # noqa: E402
from trm.exchange.vectors import SAMPLE_BODIES  # noqa: E402

NODE_ID, SENDER_ID = "load-se", "load-bg"
MAX_USERS = 200  # never more concurrent connections than this
EXPECTED = {
    "login": 302,
    "case list": 200,
    "case page": 200,
    "screening": 302,
    "referral": 302,
    "withdraw referral": 302,
    "inbox receive": 200,
}
SCREENING = {
    "indicator_set": "delphi-adults-labour",
    "dim_deceptive_recruitment": ["dr.deceived_nature_of_job", "dr.deceived_conditions_of_work"],
    "dim_exploitative_conditions": ["ec.excessive_hours"],
}


def totp(key_hex: str, at: float) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as django-otp's TOTPDevice checks it."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------------------
# The node under test


@dataclass
class Node:
    url: str
    plan: dict[str, Any]
    recipient_key: jose.PublicKey
    sender_key: jose.PrivateKey
    database: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=1800, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(args)}` failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _database(tmp: Path) -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'node.sqlite3'}", "SQLite (WAL)"
    # Only the server is taken from the URL: the benchmark drops and recreates its own database.
    base, _, _db = url.rpartition("/")
    name = "trm_load"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", f"PostgreSQL {name}"


def start_node(*, users: int, cases: int, workers: int, threads: int, tmp: Path) -> Node:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url, database = _database(tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRM_") and k != "DATABASE_URL"}
    env.update(
        {
            "TRM_MODE": "demo",
            "TRM_NODE_ID": NODE_ID,
            "TRM_COUNTRY": "SE",
            "TRM_NODE_NAME": "Load test node",
            "TRM_DATA_DIR": str(tmp / "node"),
            "TRM_PUBLIC_URL": url,
            "TRM_DEMO_DIR": str(tmp),
            "DATABASE_URL": database_url,
            "TRM_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
    )
    (tmp / "node").mkdir(parents=True)
    t = time.perf_counter()
    _run(env, "-m", "trm.cli", "migrate", "--verbosity", "0")
    plan = json.loads(_run(env, str(ROOT / "bench" / "_load_node.py"), str(users), str(cases)))
    node_entry = json.loads(_run(env, "-m", "trm.cli", "keys_export", "--init"))
    # A synthetic sender node and a network authority that lists both nodes.
    now = datetime.now(UTC).replace(microsecond=0)
    sender_sig, sender_enc, authority = (
        jose.generate_signing_key(),
        jose.generate_encryption_key(),
        jose.generate_signing_key(),
    )
    listed = format_time(now - timedelta(days=1))
    sender_entry = {
        "node_id": SENDER_ID,
        "country": "BG",
        "organisation": "Load test sender",
        "endpoint": "http://127.0.0.1:9",
        "revoked": False,
        "keys": [
            {"kid": k.kid, "use": k.use, "jwk": jose.public_jwk(k), "not_before": listed, "revoked": False}
            for k in (sender_enc, sender_sig)
        ],
    }
    doc = {
        "v": "trm/1",
        "type": "trust_list",
        "network": "Load test network (synthetic)",
        "sequence": 1,
        "issued": format_time(now),
        "next_update": format_time(now + timedelta(days=1)),
        "expires": format_time(now + timedelta(days=2)),
        "nodes": [node_entry, sender_entry],
    }
    (tmp / "list.jws").write_text(sign_trust_list(doc, authority_key=authority, now=now))
    (tmp / "authority.json").write_text(json.dumps(jose.public_jwk(authority)))
    _run(env, "-m", "trm.cli", "trustlist_import", str(tmp / "list.jws"), "--authority", str(tmp / "authority.json"))
    enc = next(k for k in node_entry["keys"] if k["use"] == "enc")
    print(
        f"node prepared in {time.perf_counter() - t:.0f} s: {database}, {plan['cases']:,} cases, "
        f"{len(plan['accounts'])} load accounts"
    )
    log = tmp / "server.log"
    node = Node(
        url=url,
        plan=plan,
        recipient_key=jose.public_key_from_jwk(enc["jwk"], "enc"),
        sender_key=sender_sig,
        database=database,
        log=log,
    )
    with log.open("wb") as out:
        node.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "trm.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--backlog",
                "512",
                "--timeout",
                "120",
                "--error-logfile",
                "-",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/accounts/login/", timeout=5).raise_for_status()
            return node
        except (httpx.HTTPError, OSError):
            if node.process.poll() is not None or time.monotonic() > deadline:
                node.stop()
                raise SystemExit(f"the node did not start; its log:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


# ------------------------------------------------------------------------------------------
# Virtual users


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    requests: int = 0

    def add(self, op: str, status: int | str, seconds: float) -> None:
        self.latencies[op].append(seconds)
        if status != EXPECTED[op]:
            self.errors[op][str(status)] += 1


class Budget:
    def __init__(self, seconds: float, requests: int) -> None:
        self.seconds, self.max_requests = seconds, requests
        self.deadline = float("inf")
        self.used = 0

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def spent(self) -> bool:
        """Past twice the level's time: even a round already begun stops."""
        return time.monotonic() >= self.deadline + self.seconds

    def take(self, requests: int) -> bool:
        if time.monotonic() >= self.deadline or self.used + requests > self.max_requests:
            return False
        self.used += requests
        return True


async def _timed(results: Results, op: str, call: Any) -> httpx.Response | None:
    t = time.perf_counter()
    try:
        response = await call
    except httpx.TimeoutException:
        results.add(op, "timeout", time.perf_counter() - t)
        return None
    except httpx.TransportError as exc:
        results.add(op, type(exc).__name__, time.perf_counter() - t)
        return None
    results.add(op, response.status_code, time.perf_counter() - t)
    return response


def _csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies.get("csrftoken") or ""}


def _sealed(node: Node) -> bytes:
    now = datetime.now(UTC)
    message = protocol.build(
        "case_notification",
        sender=SENDER_ID,
        recipient=NODE_ID,
        body=SAMPLE_BODIES["case_notification"],
        message_id=uuid.uuid4(),
        conversation=uuid.uuid4(),
        now=now,
        purpose="assistance",
        legal_basis="consent",
        consent_ref="CONSENT-2026-0042",
    )
    token = protocol.seal(message, sender_key=node.sender_key, recipient_key=node.recipient_key, now=now)
    return token.encode("ascii")


async def _log_in(node: Node, client: httpx.AsyncClient, account: dict[str, Any], results: Results) -> bool:
    page = await client.get("/accounts/login/")
    if page.status_code != 200:
        results.add("login", page.status_code, 0.0)
        return False
    # The code is taken just before it is sent, as a person would type it.
    form = {
        "username": account["username"],
        "password": node.plan["password"],
        "otp_token": totp(account["totp_key"], time.time()),
    }
    answer = await _timed(results, "login", client.post("/accounts/login/", data=form, headers=_csrf(client)))
    return answer is not None and answer.status_code == EXPECTED["login"]


async def virtual_user(
    node: Node,
    account: dict[str, Any],
    ops: str,
    results: Results,
    budget: Budget,
    logged_in: asyncio.Barrier,
    logins: asyncio.Semaphore,
    think: float,
) -> None:
    # One connection per user, dropped when idle before gunicorn's 2 s keep-alive closes it
    # (otherwise a request can race the server's close: "Server disconnected").
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=node.url, timeout=60, limits=limits) as client:
        async with logins:
            ok = await _log_in(node, client, account, results)
        await logged_in.wait()
        if not ok:
            return
        case = account["case"]
        provider = node.plan["provider"]
        # A round once begun is finished (unless it runs past twice the level's time), so that
        # every operation is measured at least once.
        while budget.take({"all": 6, "read": 2, "write": 4}[ops]):
            if ops != "write":
                await _timed(results, "case list", client.get("/cases/"))
                if budget.spent():
                    return
                await _timed(results, "case page", client.get(f"/cases/{case}/"))
            if ops != "read" and not budget.spent():
                await _timed(
                    results, "screening", client.post(f"/cases/{case}/screen/", data=SCREENING, headers=_csrf(client))
                )
                if budget.spent():
                    return
                referral = await _timed(
                    results,
                    "referral",
                    client.post(
                        f"/referrals/new/{case}/",
                        headers=_csrf(client),
                        data={
                            "provider": provider,
                            "service": "shelter",
                            "field_set": "shelter",
                            "needs": "Quiet room.",
                        },
                    ),
                )
                if referral is not None and referral.status_code == 302:
                    reference = referral.headers["location"].rstrip("/").rsplit("/", 1)[-1]
                    await _timed(
                        results,
                        "withdraw referral",
                        client.post(
                            f"/referrals/{reference}/withdraw/", data={"reason": "not_needed"}, headers=_csrf(client)
                        ),
                    )
                if budget.spent():
                    return
                await _timed(
                    results,
                    "inbox receive",
                    client.post(
                        "/trm/1/inbox", content=_sealed(node), headers={"Content-Type": "application/trm1+jwe"}
                    ),
                )
            if think:
                await asyncio.sleep(think)


async def run_level(
    node: Node,
    accounts: list[dict[str, Any]],
    *,
    ops: str,
    seconds: float,
    max_requests: int,
    login_concurrency: int,
    think: float,
) -> tuple[Results, float, float]:
    results, budget = Results(), Budget(seconds, max_requests)
    logged_in = asyncio.Barrier(len(accounts) + 1)
    logins = asyncio.Semaphore(login_concurrency)
    t = time.perf_counter()
    tasks = [
        asyncio.create_task(virtual_user(node, a, ops, results, budget, logged_in, logins, think)) for a in accounts
    ]
    await logged_in.wait()
    login_seconds = time.perf_counter() - t
    budget.start()
    t = time.perf_counter()
    await asyncio.gather(*tasks)
    return results, login_seconds, time.perf_counter() - t


# ------------------------------------------------------------------------------------------
# Report


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def report(
    users: int,
    results: Results,
    login_s: float,
    steady_s: float,
    load: tuple[float, float],
    baseline: dict[str, float] | None,
) -> dict[str, float]:
    print(
        f"\n{users} concurrent users: login phase {login_s:.1f} s, then {steady_s:.1f} s of work; "
        f"load average (1 min) {load[0]:.2f} at start, {load[1]:.2f} at end"
    )
    print(
        f"  {'operation':<18} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'per s':>7} "
        f"{'p50 vs base':>11}  errors by status"
    )
    p50s = {}
    for op in EXPECTED:
        samples = results.latencies.get(op)
        if not samples:
            continue
        p50s[op] = pct(samples, 0.5)
        rate = len(samples) / (login_s if op == "login" else steady_s)
        vs = f"{p50s[op] / baseline[op]:.1f}x" if baseline and baseline.get(op) else "-"
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(results.errors[op].items())) or "none"
        print(
            f"  {op:<18} {len(samples):>6} {p50s[op]:>8.0f} {pct(samples, 0.95):>8.0f} {pct(samples, 0.99):>8.0f} "
            f"{rate:>7.1f} {vs:>11}  {errors}"
        )
    total = sum(len(v) for op, v in results.latencies.items() if op != "login")
    fives = sum(n for c in results.errors.values() for k, n in c.items() if k[:1] == "5")
    print(f"  all work requests: {total} ({total / steady_s:.1f}/s); 5xx: {fives}")
    return p50s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,10,50,200", help="users per level; the first is the baseline")
    parser.add_argument("--seconds", type=float, default=20, help="work time per level, after the logins")
    parser.add_argument("--max-requests", type=int, default=20_000, help="request budget per level")
    parser.add_argument("--cases", type=int, default=0, help="bulk synthetic cases to seed (at least 20 per user)")
    parser.add_argument("--ops", choices=("all", "read", "write"), default="all")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--login-concurrency", type=int, default=0, help="logins in flight at once (default: workers x threads)"
    )
    parser.add_argument("--think", type=float, default=0, help="seconds a user waits between rounds")
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    if max(levels) > MAX_USERS:
        parser.error(f"at most {MAX_USERS} concurrent users")
    tmp = Path(tempfile.mkdtemp(prefix="trm-bench-load-"))
    # Each level logs in its own accounts: a TOTP code is accepted once per account and 30 s.
    node = start_node(users=sum(levels), cases=args.cases, workers=args.workers, threads=args.threads, tmp=tmp)
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads on {node.url}; ops: {args.ops}; "
        f"{args.seconds:.0f} s or {args.max_requests} requests per level; think time {args.think:g} s; "
        f"{os.cpu_count()} cores, shared with other work"
    )
    fives = 0
    try:
        accounts = node.plan["accounts"]
        baseline: dict[str, float] | None = None
        for users in levels:
            mine, accounts = accounts[:users], accounts[users:]
            load_start = os.getloadavg()[0]
            results, login_s, steady_s = asyncio.run(
                run_level(
                    node,
                    mine,
                    ops=args.ops,
                    seconds=args.seconds,
                    max_requests=args.max_requests,
                    login_concurrency=args.login_concurrency or args.workers * args.threads,
                    think=args.think,
                )
            )
            p50s = report(users, results, login_s, steady_s, (load_start, os.getloadavg()[0]), baseline)
            baseline = baseline or p50s
            fives += sum(n for c in results.errors.values() for k, n in c.items() if k[:1] == "5")
    finally:
        node.stop()
    if fives:
        lines = [ln for ln in node.log.read_text(errors="replace").splitlines() if "ERROR" in ln or "Error" in ln]
        print(f"\n{fives} server errors; from the server log {node.log}:")
        for line in lines[-20:]:
            print(f"  {line}")
        sys.exit(1)  # the node's directory and log stay for a look
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
