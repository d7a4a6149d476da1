"""The statistics page and every export at 10,000 to 1,000,000 cases, through the request path.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trm_perf \\
        TRM_BENCH_CASES=10000,100000,1000000 .venv/bin/python bench/bench_statistics.py
    TRM_BENCH_REPEAT=10 ...        # requests per page or export (after 1 warm-up); default 10

Reads the databases that bench/bench_caseload.py builds (`trm_perf_10k`, … `trm_perf_1m`; it
must have run first) and never changes their cases: `migrate` adds the statistics tables, the
first refresh codes every case into them (timed and printed: it is the one-off cost of a
node's first statistics), a second refresh times the incremental path with nothing changed,
then each page and export is requested as a national rapporteur (Django's test client:
session, two-factor check, capability, filter form, snapshot, charts, template, audit).
Prints p50 and max per request, and the time of the two computations that run outside a page:
the CTDC extract (made in every refresh), the PDF of every year (laid out in the worker's
refresh; the page's PDF request then reads it; another year or breakdown is laid out on its
first request, the warm-up here) and a year's regional figures (made when they are sent to
the secretariat). Stops by itself.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRM_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")

URL = os.environ.get("DATABASE_URL", "")
VOLUMES = [int(v) for v in os.environ.get("TRM_BENCH_CASES", "10000").split(",")]
REPEAT = int(os.environ.get("TRM_BENCH_REPEAT", "10"))


def label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


if not URL.startswith("postgres"):
    sys.exit("Set DATABASE_URL to the PostgreSQL server of bench/bench_caseload.py (postgres://…/trm_perf).")
BASE, _, DBNAME = URL.rpartition("/")
DBNAME = DBNAME or "trm_perf"
os.environ["DATABASE_URL"] = f"{BASE}/{DBNAME}_{label(VOLUMES[0])}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from tests.factories import make_org, make_user, verified_client  # noqa: E402

from trm.accounts.models import User  # noqa: E402
from trm.accounts.roles import Role  # noqa: E402
from trm.cases.models import Case  # noqa: E402
from trm.statistics import exports, facts, regional  # noqa: E402

PAGES = [
    ("page, all years", "/statistics/"),
    ("page, one year by citizenship", "/statistics/?year={year}&by=citizenship"),
    ("export CSV", "/statistics/export/csv/?year={year}&by=sex"),
    ("export Excel", "/statistics/export/xlsx/"),
    ("export Eurostat", "/statistics/export/eurostat/"),
    ("export GRETA", "/statistics/export/greta/"),
    ("export CTDC extract (one year)", "/statistics/export/ctdc/?year={year}"),
    ("export PDF", "/statistics/export/pdf/"),
]


def use(n: int) -> None:
    for conn in connections.all():
        conn.close()
    connections.databases["default"]["NAME"] = f"{DBNAME}_{label(n)}"


def rapporteur() -> Client:
    user = User.objects.filter(username="bench-rapporteur").first()
    if user is None:
        user = make_user(Role.RAPPORTEUR, org=make_org(name="Bench Rapporteur Office"), username="bench-rapporteur")
    return verified_client(user)


def main() -> None:
    setup_test_environment()
    for n in VOLUMES:
        use(n)
        call_command("migrate", verbosity=0)
        cases = Case.objects.count()
        print(f"\n== {label(n)}: {cases:,} cases, load {os.getloadavg()[0]:.2f}")
        started = time.perf_counter()
        facts.refresh()
        print(f"refresh (first: codes every case not yet coded)  {time.perf_counter() - started:8.1f} s")
        started = time.perf_counter()
        snapshot = facts.refresh()
        print(f"refresh (incremental, nothing changed)           {time.perf_counter() - started:8.2f} s")
        year = snapshot.figures["years"][-2] if len(snapshot.figures["years"]) > 1 else ""
        started = time.perf_counter()
        exports.ctdc_groups(k=snapshot.k)
        print(f"CTDC extract, made in each refresh               {time.perf_counter() - started:8.2f} s")
        started = time.perf_counter()
        exports.report_pdf(snapshot, year=None, by=None)
        print(f"PDF of every year, made in the worker's refresh    {time.perf_counter() - started:8.2f} s")
        if year:
            started = time.perf_counter()
            regional.protect(int(year), snapshot)
            print(f"regional figures of one year (sending them)      {time.perf_counter() - started:8.2f} s")
        client = rapporteur()
        for name, path in PAGES:
            url = path.format(year=year)
            first = client.get(url)
            assert first.status_code == 200, (url, first.status_code)
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            print(f"{name:<36} p50 {1000 * statistics.median(times):7.0f} ms   max {1000 * max(times):7.0f} ms")
        print(f"load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
