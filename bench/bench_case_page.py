"""The case page at 100,000 cases: server time of GET /cases/<reference>/, before and after, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trm_perf \\
        .venv/bin/python bench/bench_case_page.py
    TRM_BENCH_CASES=100000 ...         # cases in the database (default 100,000), built once and reused
    TRM_BENCH_REPEAT=30 ...            # requests per case page and role, after 3 warm-up; default 30
    TRM_BENCH_BEFORE=/path/to/src ...  # another source tree to compare with (e.g. main's src/): measured
                                       # in turn with this one, on the same database, under the same load
    TRM_BENCH_AFTER=/path/to/src ...   # the tree measured as "after" (default: this tree's src/)
    TRM_BENCH_ROUNDS=1 ...             # rounds of (before, after); default 2
    TRM_BENCH_PAGES=10 ...             # read 10 of the 30 case pages (an even spread); default 30

The database (`<name>_100k`, or a SQLite file in $TMPDIR/trm-bench/) holds bulk cases
(bench_caseload's `bulk_cases`: encrypted names, a route stage, open deadlines) and 20 cases
built through the verb functions (`seed_cases`: screenings, decisions, consents, deadlines,
audit), so that the pages measured carry what a worked case carries. It is built and migrated
with this tree; a tree measured as "before" only reads it (the columns it does not know are
ignored) and writes its audit entries.

Each sample is a whole GET through Django's test client, as a request reaches a worker:
session, second factor, access scope, the case's rows, the template, the audit entry. Its
wall time is printed, and its CPU time in the Python process (`time.process_time`): on a
machine shared with other work the wall time stretches with the load, the CPU time much less. The
pages of 30 cases (the 20 worked ones and 10 bulk ones in different states) are read by the
focal point (who sees every case) and by the competent authority (who may decide). The trees
run as child processes in turn (before, after, before, after: TRM_BENCH_ROUNDS), so that a
change in the machine's load falls on both; the load average is printed around each run.
Stops by itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("DATABASE_URL", "")
POSTGRES = URL.startswith("postgres")
N = int(os.environ.get("TRM_BENCH_CASES", "100000"))
REPEAT = int(os.environ.get("TRM_BENCH_REPEAT", "30"))
BEFORE = os.environ.get("TRM_BENCH_BEFORE", "")
AFTER = os.environ.get("TRM_BENCH_AFTER", "")  # default: this tree's src/
RICH = 20
PAGES = int(os.environ.get("TRM_BENCH_PAGES", "30"))  # how many of the 30 case pages to read
ROUNDS = int(os.environ.get("TRM_BENCH_ROUNDS", "2"))


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def database_url() -> str:
    if POSTGRES:
        base, _, name = URL.rpartition("/")
        return f"{base}/{name or 'trm_perf'}_{label(N)}"
    folder = Path(tempfile.gettempdir()) / "trm-bench"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / f'case_page_{label(N)}.sqlite3'}"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def setup_django(src: Path) -> None:
    sys.path.insert(0, str(src))
    sys.path.insert(1, str(ROOT))
    os.environ.setdefault("TRM_MODE", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")
    os.environ["DATABASE_URL"] = database_url()
    import django

    django.setup()


# ------------------------------------------------------------------------------------------
# The parent: builds the database with this tree, then runs each tree in turn


def create_database() -> None:
    if not POSTGRES:
        return
    import psycopg

    base, _, _name = URL.rpartition("/")
    name = database_url().rpartition("/")[2]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def build() -> list[str]:
    """Migrate, seed (once), and return the references of the pages to measure."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from trm.accounts.models import Organisation, User
    from trm.accounts.roles import Role
    from trm.cases.models import Case
    from trm.demo.synthetic_cases import bulk_cases, seed_cases

    call_command("migrate", interactive=False, verbosity=0)
    ngo, _ = Organisation.objects.get_or_create(name="Bench NGO", defaults={"type": "NGO", "country": "SE"})
    authority, _ = Organisation.objects.get_or_create(
        name="Bench Commission", defaults={"type": "CentralGovernmentOrganisation", "country": "SE"}
    )
    coordinator, _ = Organisation.objects.get_or_create(
        name="Bench Coordinator", defaults={"type": "CentralGovernmentOrganisation", "country": "SE"}
    )
    for name, role, org in (
        ("bench-responder", Role.FIRST_RESPONDER, ngo),
        ("bench-ca", Role.COMPETENT_AUTHORITY, authority),
        ("bench-focal", Role.FOCAL_POINT, coordinator),
    ):
        user = User.objects.filter(username=name).first() or User.objects.create_user(
            name,
            password="bench-password-not-secret-1",  # noqa: S106
            organisation=org,
        )
        user.groups.add(Group.objects.get(name=role.value))
    have = Case.objects.count()
    if have < N - RICH:
        start = time.perf_counter()
        responder = User.objects.get(username="bench-responder")
        for at in range(have, N - RICH, 20_000):
            size = min(20_000, N - RICH - at)
            bulk_cases(size, seed=42 + at, owner_org=ngo, created_by=responder, routed_to_org=authority)
            print(f"  built {at + size:,} cases ({load()})", flush=True)
        print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)
    have = Case.objects.count()
    if have < N:
        seed_cases(N - have, seed=7, country="SE")  # the worked cases come last
    last = list(Case.objects.order_by("-pk").values_list("pk", "reference")[:RICH])
    rich = [reference for _pk, reference in last]
    first_rich = min(pk for pk, _reference in last)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if POSTGRES else "ANALYZE")
    plain: list[str] = []
    for state in ("detected", "screened", "rg_pending", "rg_positive", "identified"):
        plain += list(
            Case.objects.filter(state=state, pk__lt=first_rich).order_by("pk").values_list("reference", flat=True)[:2]
        )
    chosen = rich + plain
    # An even spread when fewer pages are read: worked and bulk cases alike.
    return chosen[:: max(1, len(chosen) // PAGES)][:PAGES]


def run_tree(name: str, src: Path, references: list[str]) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(src), "DATABASE_URL": URL}  # the child adds the suffix itself
    out = subprocess.run(  # our own interpreter and script
        [sys.executable, __file__, "--measure", str(src)],
        input=json.dumps(references),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{name}: {out.stderr[-2000:]}")
    result: dict[str, list[float]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def parent() -> None:
    create_database()
    setup_django(ROOT / "src")
    from django.db import connections

    print(f"{database_url().rpartition('/')[2]}: {N:,} cases ({load()})", flush=True)
    references = build()
    connections.close_all()
    trees = [("after", Path(AFTER) if AFTER else ROOT / "src")]
    if BEFORE:
        trees.insert(0, ("before", Path(BEFORE)))
    totals: dict[tuple[str, str], list[float]] = {}
    for round_ in range(1, ROUNDS + 1):
        for name, src in trees:
            before_load = load()
            result = run_tree(name, src, references)
            print(f"round {round_}, {name:<6} ({before_load} → {load()})", flush=True)
            for who, samples in result.items():
                totals.setdefault((name, who), []).extend(samples)
                figures = " / ".join(f"{pct(samples, q):6.1f}" for q in (0.5, 0.95, 0.99))
                print(f"  {who:<25} p50 / p95 / p99 ms {figures}", flush=True)
    print(f"\ncase page, {len(references)} cases × {REPEAT} requests × {ROUNDS} rounds per role and tree")
    for (name, who), samples in totals.items():
        figures = " / ".join(f"{pct(samples, q):6.1f}" for q in (0.5, 0.95, 0.99))
        print(f"  {name:<6} {who:<25} p50 / p95 / p99 ms {figures}")
    print(load())


# ------------------------------------------------------------------------------------------
# The child: one tree, every page, each role


def child(src: Path) -> None:
    setup_django(src)
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from trm.accounts.models import User

    references = json.loads(sys.stdin.read())
    result: dict[str, list[float]] = {}
    for who, username in (("focal point", "bench-focal"), ("competent authority", "bench-ca")):
        user = User.objects.get(username=username)
        device = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})[0]
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        samples: list[float] = []
        cpu: list[float] = []
        for reference in references:
            if client.get(f"/cases/{reference}/").status_code == 404:
                continue  # a case the role does not see (not routed to the authority): not its page
            for i in range(REPEAT + 3):
                t, c = time.perf_counter(), time.process_time()
                response = client.get(f"/cases/{reference}/")
                elapsed, used = time.perf_counter() - t, time.process_time() - c
                assert response.status_code == 200, (reference, response.status_code)
                if i >= 3:
                    samples.append(elapsed)
                    cpu.append(used)
        result[who] = samples
        result[f"{who}, CPU"] = cpu
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        child(Path(sys.argv[2]))
    else:
        parent()
