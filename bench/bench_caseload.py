"""Case list, search, filters and dashboard at 10,000 to 1,000,000 cases, through the request path.

    .venv/bin/python bench/bench_caseload.py                                  # SQLite, 10k and 100k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trm_perf \\
        TRM_BENCH_CASES=10000,100000,1000000 .venv/bin/python bench/bench_caseload.py
    TRM_BENCH_ONLY=seed ...        # only build (or top up) the databases, measure nothing
    TRM_BENCH_REPEAT=40 ...        # requests per query (after 3 warm-up); default 40
    TRM_BENCH_WORKERS=2 ...        # processes that build the cases in parallel; default 1

Each volume has its own database, named after DATABASE_URL's with a suffix (`trm_perf_10k`,
`trm_perf_1m`; on SQLite a file in $TMPDIR/trm-bench/). A database that already holds the
volume's cases is reused as it is (after `migrate`): building 1,000,000 cases takes a while, so
it is built once. `TRM_BENCH_FRESH=1` drops and rebuilds. The cases are plain bulk inserts
(`bulk_cases`: encrypted names, blind name index, one route stage, an open deadline where the
state has one), owned by an NGO and routed, once referred, to one competent authority.

Each query is a whole GET through Django's test client: session, two-factor check, access
scope, filter form, bounded count, the 25-row page, template and the audit entry every list
read writes. The volumes run one after the other in the same process, so the smallest is the
baseline under the same machine load; the load average is printed before and after each.
Stops by itself.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRM_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")

URL = os.environ.get("DATABASE_URL", "")
POSTGRES = URL.startswith("postgres")
VOLUMES = [int(v) for v in os.environ.get("TRM_BENCH_CASES", "10000,100000").split(",")]
REPEAT = int(os.environ.get("TRM_BENCH_REPEAT", "40"))
ONLY = os.environ.get("TRM_BENCH_ONLY", "")
FRESH = os.environ.get("TRM_BENCH_FRESH") == "1"
CHUNK = 20_000  # cases per bulk_cases call (progress is printed after each)
WORKERS = int(os.environ.get("TRM_BENCH_WORKERS", "1"))  # processes that build cases in parallel


def label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


if POSTGRES:
    BASE, _, DBNAME = URL.rpartition("/")
    DBNAME = DBNAME or "trm_perf"
    os.environ["DATABASE_URL"] = f"{BASE}/{DBNAME}_{label(VOLUMES[0])}"
else:
    SQLITE_DIR = Path(tempfile.gettempdir()) / "trm-bench"
    SQLITE_DIR.mkdir(exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_DIR / f'cases_{label(VOLUMES[0])}.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from trm.accounts.models import Organisation, User  # noqa: E402
from trm.accounts.roles import Role  # noqa: E402
from trm.cases.models import Case  # noqa: E402
from trm.cases.views import search_target  # noqa: E402
from trm.demo.synthetic_cases import bulk_cases  # noqa: E402


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def use_database(n: int) -> str:
    """Point the default connection at the volume's database, creating (or recreating) it."""
    connections.close_all()
    settings_dict = connections.settings["default"]
    if POSTGRES:
        import psycopg

        name = f"{DBNAME}_{label(n)}"
        with psycopg.connect(f"{BASE}/postgres", autocommit=True) as conn:
            if FRESH:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        settings_dict["NAME"] = name
        where = f"PostgreSQL {name}"
    else:
        path = SQLITE_DIR / f"cases_{label(n)}.sqlite3"
        if FRESH:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        settings_dict["NAME"] = str(path)
        where = f"SQLite {path}"
    del connections["default"]
    call_command("migrate", interactive=False, verbosity=0)
    return where


def seed(n: int) -> tuple[Organisation, Organisation]:
    """The bench organisations and n cases; tops up a partly built database."""
    ngo, _ = Organisation.objects.get_or_create(name="Bench NGO", defaults={"type": "NGO", "country": "SE"})
    authority, _ = Organisation.objects.get_or_create(
        name="Bench Commission", defaults={"type": "CentralGovernmentOrganisation", "country": "SE"}
    )
    responder, _ = User.objects.get_or_create(username="bench-responder", defaults={"organisation": ngo})
    have = Case.objects.filter(owner_org=ngo).count()
    if have > n:
        raise SystemExit(f"the database already holds {have:,} bench cases, more than {n:,}")
    if have < n:
        start, done = time.perf_counter(), 0
        # A different seed per chunk: the data differ (references cannot collide in any case).
        chunks = [(min(CHUNK, n - at), 42 + at, ngo.pk, authority.pk, responder.pk) for at in range(have, n, CHUNK)]
        connections.close_all()  # each worker process opens its own connection
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            for size in pool.imap_unordered(_seed_chunk, chunks):
                done += size
                rate = done / (time.perf_counter() - start)
                print(f"  built {have + done:,} cases ({rate:,.0f}/s, {load()})", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if POSTGRES else "ANALYZE")
        print(f"  built {n:,} cases in {time.perf_counter() - start:.0f} s", flush=True)
    return ngo, authority


def _seed_chunk(chunk: tuple[int, int, int, int, int]) -> int:
    size, seed, ngo, authority, responder = chunk
    return bulk_cases(
        size,
        seed=seed,
        owner_org=Organisation.objects.get(pk=ngo),
        created_by=User.objects.get(pk=responder),
        routed_to_org=Organisation.objects.get(pk=authority),
    )


def client_for(role: Role, org: Organisation, name: str) -> Client:
    user = User.objects.filter(username=name).first()
    if user is None:
        user = User.objects.create_user(name, password="bench-password-not-secret-1", organisation=org)  # noqa: S106
        user.groups.add(Group.objects.get(name=role.value))
    device = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})[0]
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def queries(ngo: Organisation) -> list[tuple[str, str, dict[str, object]]]:
    span = Case.objects.filter(owner_org=ngo).aggregate(lo=Min("pk"), hi=Max("pk"))
    middle = Case.objects.filter(owner_org=ngo, pk__gte=(span["lo"] + span["hi"]) // 2)
    case = middle.order_by("pk").select_related("person").first()
    assert case is not None
    return [
        ("list, first page", "/cases/", {}),
        ("list, page 2", "/cases/", {"page": 2}),
        ("list, page 40", "/cases/", {"page": 40}),
        ("list, page 200", "/cases/", {"page": 200}),
        ("search by reference", "/cases/", search_target(case.reference)),
        ("search by exact name", "/cases/", search_target(case.person.full_name)),
        ("filter: status Closed", "/cases/", {"status": "Closed"}),
        ("filter: identification rg_pending", "/cases/", {"state": "rg_pending"}),
        ("filter: deadline overdue", "/cases/", {"deadline": "overdue"}),
        ("filter: deadline within 7 days", "/cases/", {"deadline": "week"}),
        ("filter: deadline any", "/cases/", {"deadline": "any"}),
        ("filter: exploitation ForcedBegging", "/cases/", {"exploitation": "ForcedBegging"}),
        ("filter: exploitation OrganRemoval", "/cases/", {"exploitation": "OrganRemoval"}),
        ("filter: children", "/cases/", {"child": "yes"}),
        ("filter: adults", "/cases/", {"child": "no"}),
        ("filter: nationality MD", "/cases/", {"nationality": "MD"}),
        ("filter: nationality SE", "/cases/", {"nationality": "SE"}),
        ("filter: child + UA + overdue", "/cases/", {"child": "yes", "nationality": "UA", "deadline": "overdue"}),
        ("dashboard", "/", {}),
    ]


def measure(client: Client, path: str, params: dict[str, object]) -> tuple[list[float], list[float]]:
    """Whole-request times and, of each, the time spent in the statements on case tables.

    Those statements (bounded count, page, deadlines) are the part that grows with the number of
    cases; the rest of a request (session, second factor, permissions, the audit entry's commit,
    the template) does not, but it is what a loaded machine stretches most.
    """
    samples, db_samples = [], []
    for i in range(REPEAT + 3):
        waited = [0.0]

        def timed(execute, sql, params, many, context, waited=waited):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if 'FROM "cases_' in sql:
                    waited[0] += time.perf_counter() - t

        with connection.execute_wrapper(timed):
            t = time.perf_counter()
            response = client.get(path, params)
            elapsed = time.perf_counter() - t
        assert response.status_code == 200, (path, params, response.status_code)
        if i >= 3:  # warm-up
            samples.append(elapsed)
            db_samples.append(waited[0])
    return samples, db_samples


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


results: dict[tuple[int, str, str], list[float]] = {}
for n in VOLUMES:
    print(f"\n== {n:,} cases: {use_database(n)} ({load()})", flush=True)
    ngo, authority = seed(n)
    if ONLY == "seed":
        continue
    coordinator, _ = Organisation.objects.get_or_create(
        name="Bench Coordinator", defaults={"type": "CentralGovernmentOrganisation", "country": "SE"}
    )
    clients = {
        "focal point": client_for(Role.FOCAL_POINT, coordinator, "bench-focal"),
        "competent authority": client_for(Role.COMPETENT_AUTHORITY, authority, "bench-ca"),
    }
    print(f"request p50 / p95 / p99 ms, and its case-table SQL p50 / p95 ms; {REPEAT} requests after 3 warm-up")
    for who, client in clients.items():
        for name, path, params in queries(ngo):
            samples, db_samples = measure(client, path, params)
            results[(n, who, name)] = samples
            figures = " / ".join(f"{pct(samples, q):6.1f}" for q in (0.5, 0.95, 0.99))
            db = " / ".join(f"{pct(db_samples, q):6.1f}" for q in (0.5, 0.95))
            print(f"  {who:<20} {name:<36} {figures}   sql {db}", flush=True)
    print(f"  ({load()})", flush=True)

if results:
    worst = max(((pct(s, 0.95), key) for key, s in results.items() if key[2] != "dashboard"), default=None)
    dash = max(((pct(s, 0.95), key) for key, s in results.items() if key[2] == "dashboard"), default=None)
    print(f"\nslowest list/search/filter p95: {worst[0]:.1f} ms {worst[1]}" if worst else "")
    print(f"slowest dashboard p95: {dash[0]:.1f} ms {dash[1]}" if dash else "")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; {load()}")
