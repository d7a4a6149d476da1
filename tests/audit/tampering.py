"""For tests that tamper with the audit log on purpose, to show that verification notices."""

from __future__ import annotations

from django.db import connection

TRIGGER = "audit_auditevent_append_only"


def allow_tampering() -> None:
    """Lift the PostgreSQL append-only trigger for the rest of this test's transaction.

    ALTER TABLE is transactional: the test's rollback puts the trigger back.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
