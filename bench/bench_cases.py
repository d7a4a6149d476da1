"""Case list and search latency at 100,000 cases, as the focal point and as a competent authority.

    .venv/bin/python bench/bench_cases.py                    # SQLite (throw-away file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_cases.py
    TRM_BENCH_CASES=20000 .venv/bin/python bench/bench_cases.py   # another volume

Builds the cases with bulk inserts (encrypted names, blind index, one route stage and an open
deadline where the state has one), then times whole requests through Django's test client:
session, two-factor check, access scope, filter form, count, page, template and the audit entry
that every list read writes. Prints p50/p95/p99 per query and stops by itself.
"""

from __future__ import annotations

import os
import resource
import time

from _django import percentiles, setup

N = int(os.environ.get("TRM_BENCH_CASES", "100000"))
REPEAT = int(os.environ.get("TRM_BENCH_REPEAT", "60"))
where = setup("cases")

from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from trm.accounts.models import Organisation, User  # noqa: E402
from trm.accounts.roles import Role  # noqa: E402
from trm.cases.models import Case  # noqa: E402
from trm.cases.views import search_target  # noqa: E402
from trm.demo.synthetic_cases import bulk_cases  # noqa: E402


def client_for(role: Role, org: Organisation, name: str) -> Client:
    user = User.objects.create_user(name, password="bench-password-not-secret-1", organisation=org)  # noqa: S106
    user.groups.add(Group.objects.get(name=role.value))
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


print(f"database: {where}")
ngo = Organisation.objects.create(name="Bench NGO", type="NGO", country="SE")
authority = Organisation.objects.create(name="Bench Commission", type="CentralGovernmentOrganisation", country="SE")
coordinator = Organisation.objects.create(name="Bench Coordinator", type="CentralGovernmentOrganisation", country="SE")
responder = User.objects.create_user("bench-responder", organisation=ngo)
focal = client_for(Role.FOCAL_POINT, coordinator, "bench-focal")
ca = client_for(Role.COMPETENT_AUTHORITY, authority, "bench-ca")

start = time.perf_counter()
bulk_cases(N, seed=42, owner_org=ngo, created_by=responder, routed_to_org=authority)
print(f"built {Case.objects.count():,} cases in {time.perf_counter() - start:.1f} s")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

sample = Case.objects.order_by("?").select_related("person").first() if N < 50_000 else Case.objects.get(pk=N // 2)
reference = sample.reference
name = sample.person.full_name

QUERIES = [
    ("list, first page", {}),
    ("list, page 200", {"page": 200}),
    ("search by reference", search_target(reference)),
    ("search by exact name (blind index)", search_target(name)),
    ("filter: status Active", {"status": "Active"}),
    ("filter: children", {"child": "yes"}),
    ("filter: nationality MD", {"nationality": "MD"}),
    ("filter: exploitation ForcedBegging", {"exploitation": "ForcedBegging"}),
    ("filter: deadline overdue", {"deadline": "overdue"}),
    ("filter: child + nationality + overdue", {"child": "yes", "nationality": "UA", "deadline": "overdue"}),
]


def measure(client: Client, params: dict[str, object]) -> list[float]:
    samples = []
    for i in range(REPEAT + 3):
        t = time.perf_counter()
        response = client.get("/cases/", params)
        elapsed = time.perf_counter() - t
        assert response.status_code == 200, response.status_code
        if i >= 3:  # warm-up
            samples.append(elapsed)
    return samples


for who, client in (("focal point", focal), ("competent authority", ca)):
    print(f"\nas {who} ({REPEAT} requests each, after 3 warm-up):")
    for label, params in QUERIES:
        print(f"  {label:<40} {percentiles(measure(client, params))}")
t = time.perf_counter()
focal.get(f"/cases/{reference}/")
print(f"\ncase page (decrypt, timeline, audit): {(time.perf_counter() - t) * 1000:.1f} ms")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
