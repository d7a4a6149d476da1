"""Concurrent reads and writes against a real SQLite file, through the whole request stack.

Run by test_sqlite_under_load.py in a fresh interpreter (its own settings, its own database
file); prints one JSON line: {"statuses": {...}, "locked": n, "errors": [...]}.

    python -m tests.hardening.sqlite_load /tmp/x/db.sqlite3 [--deferred]

``--deferred`` runs with SQLite's default (deferred) transactions, to show the failure the
settings prevent.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
import time


def main(path: str, deferred: bool) -> dict[str, object]:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("TRM_MODE", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")
    import django
    from django.conf import settings

    if deferred:
        settings.DATABASES["default"]["OPTIONS"].pop("transaction_mode", None)
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    call_command("migrate", verbosity=0)
    from tests.factories import verified_client
    from tests.referrals.builders import World
    from trm.audit.events import Action
    from trm.audit.record import record

    world = World()
    cases = [world.presumed_victim(given_name=f"Load{i}") for i in range(3)]
    provider = world.shelter_provider
    connection.close()

    statuses: collections.Counter[str] = collections.Counter()
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def note(kind: str, response: object) -> None:
        code = getattr(response, "status_code", 0)
        with lock:
            statuses[f"{kind} {code}"] += 1
            if code >= 500:
                errors.append(f"{kind} {code} {getattr(response, 'content', b'')[:120]!r}")

    def reader(n: int) -> None:
        client = verified_client(world.focal, Client(raise_request_exception=False))
        for i in range(2):
            note("read", client.get(f"/cases/{cases[(n + i) % len(cases)].reference}/"))
        connection.close()

    def writer(n: int) -> None:
        client = verified_client(world.focal, Client(raise_request_exception=False))
        for i in range(2):
            response = client.post(
                f"/api/referrals/providers/{provider.pk}/capacity",
                data=json.dumps({"free_places": (n + i) % 5}),
                content_type="application/json",
            )
            note("write", response)
        connection.close()

    def worker() -> None:
        # Like the exchange worker delivering: short write transactions, one after another.
        while not stop.is_set():
            with transaction.atomic():
                record(None, Action.UPDATE, object_type="exchange.outbox", object_ref="load", note="delivered")
                time.sleep(0.005)
            time.sleep(0.05)
        connection.close()

    background = threading.Thread(target=worker)
    background.start()
    threads = [threading.Thread(target=reader, args=(i,)) for i in range(12)]
    threads += [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    background.join()
    return {
        "statuses": dict(statuses),
        "errors": errors,
        "locked": sum("locked" in e for e in errors),
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    result = main(sys.argv[1], "--deferred" in sys.argv[2:])
    sys.stdout.write(json.dumps(result) + "\n")
