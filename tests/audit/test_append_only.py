"""The audit table refuses UPDATE and DELETE in PostgreSQL itself (a trigger from a migration)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from trm.audit import record
from trm.audit.events import Action
from trm.audit.models import AuditEvent
from trm.audit.verification import verify_chain

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only; on SQLite the hash chain detects tampering",
)


@pytest.fixture
def entries(db):
    return [record.record(None, Action.READ, object_type="cases.case", object_ref=f"C-{i}") for i in range(3)]


def test_it_refuses_an_update_through_the_orm(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(note="forged")
    assert AuditEvent.objects.get(seq=2).note == ""
    assert verify_chain().ok


def test_it_refuses_a_save_of_an_existing_entry(entries):
    event = entries[0]
    event.note = "forged"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save(update_fields=["note"])


def test_it_refuses_a_delete_through_the_orm(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=3).delete()
    assert AuditEvent.objects.count() == 3


def test_it_refuses_update_and_delete_in_raw_sql(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET note = 'forged'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 3 and verify_chain().ok


def test_it_still_appends(entries):
    record.record(None, Action.READ, object_type="cases.case", object_ref="C-9")
    assert AuditEvent.objects.count() == 4 and verify_chain().ok
