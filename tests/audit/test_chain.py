from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.audit.tampering import allow_tampering
from trm.audit import chain, record
from trm.audit.events import Action
from trm.audit.models import AuditEvent, AuditHead
from trm.audit.verification import verify_chain


@pytest.fixture
def three_events(db, user_with_role):
    actor = user_with_role("focal_point")
    allow_tampering()  # these tests edit and delete entries to show that verification notices
    return [
        record.record(actor, Action.READ, object_type="cases.case", object_ref=f"C-{i}", fields=["status"])
        for i in range(3)
    ]


def test_it_chains_entries(three_events):
    first, second, third = three_events
    assert first.prev_hash == chain.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    report = verify_chain()
    assert report.ok
    assert report.head_hash == third.hash


def test_it_never_stores_values(three_events):
    e = three_events[0]
    assert e.fields == ["status"]
    assert set(e.chained_fields()) == {
        "seq",
        "at",
        "actor_id",
        "actor_label",
        "organisation_id",
        "action",
        "object_type",
        "object_ref",
        "fields",
        "note",
        "remote_addr",
    }


def test_it_detects_an_edited_row(three_events):
    AuditEvent.objects.filter(seq=2).update(action=Action.UPDATE)
    report = verify_chain()
    assert [(p.seq, p.kind) for p in report.problems] == [(2, "edited")]


def test_it_detects_a_deleted_row(three_events):
    AuditEvent.objects.filter(seq=2).delete()
    kinds = {(p.seq, p.kind) for p in verify_chain().problems}
    assert (3, "gap") in kinds
    assert (3, "broken_link") in kinds


def test_it_detects_a_deleted_newest_row(three_events):
    AuditEvent.objects.filter(seq=3).delete()
    assert [p.kind for p in verify_chain().problems] == ["head_mismatch"]


def test_it_detects_a_rewritten_chain_that_ignores_the_head(three_events):
    # Recomputing every hash after an edit still disagrees with the recorded head.
    prev = chain.GENESIS
    for e in AuditEvent.objects.order_by("seq"):
        e.note = "forged"
        e.prev_hash = prev
        e.hash = chain.link(prev, e.chained_fields())
        AuditEvent.objects.filter(pk=e.pk).update(note=e.note, prev_hash=e.prev_hash, hash=e.hash)
        prev = e.hash
    assert [p.kind for p in verify_chain().problems] == ["head_mismatch"]


def test_the_command_reports_ok_and_failure(three_events, capsys):
    call_command("audit_verify")
    assert "audit chain OK: 3 entries" in capsys.readouterr().out
    AuditEvent.objects.filter(seq=1).update(object_ref="C-999")
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("audit_verify")
    assert "entry 1: edited" in capsys.readouterr().err


def test_an_empty_log_verifies(db):
    assert verify_chain().ok
    assert not AuditHead.objects.exists()


def test_it_records_anonymous_events(db):
    event = record.record(None, Action.LOGIN_FAILED)
    assert event.actor_id is None
    assert event.actor_label == ""
