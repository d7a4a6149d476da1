"""`trm audit verify` checks the chain against the heads published to the witness.

A database administrator who rebuilds the whole chain consistently (every hash and the head
recomputed) passes the chain's own checks; the heads the witness received do not match.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.audit.tampering import allow_tampering
from trm.audit import anchors, chain, record
from trm.audit.events import Action
from trm.audit.models import AuditEvent, AuditHead, PublishedHead
from trm.audit.verification import verify_chain


def write(n: int) -> None:
    for i in range(n):
        record.record(None, Action.READ, object_type="cases.case", object_ref=f"C-{i}", fields=["status"])


def publish_head(witness: str = "authority.trm") -> PublishedHead:
    """What network.anchoring.publish keeps (the message itself is tested in tests/network)."""
    head = AuditHead.objects.get()
    entry = AuditEvent.objects.get(seq=head.seq)
    return PublishedHead.objects.create(
        seq=entry.seq,
        hash=entry.hash,
        at=entry.at,
        witness=witness,
        message_id=uuid.uuid4(),
        published_at=timezone.now(),
    )


def rebuild_chain_with(seq: int, **changes: object) -> None:
    """Edit entry ``seq`` and recompute every hash and the head: the chain's own check passes."""
    allow_tampering()
    AuditEvent.objects.filter(seq=seq).update(**changes)
    prev = chain.GENESIS
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = chain.link(prev, event.chained_fields())
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    AuditHead.objects.filter(id=1).update(hash=prev)


def export_of(heads: list[PublishedHead], *, node: str | None = None) -> str:
    """The witness's export (trm audit export-heads) of these heads."""
    return json.dumps(
        {
            "v": "trm/1",
            "type": "audit_heads",
            "witness": "authority.trm",
            "node": node or settings.TRM_NODE_ID,
            "exported": "2026-03-02T10:00:00Z",
            "heads": [{"seq": h.seq, "hash": h.hash, "at": anchors.format_time(h.at), "alarm": ""} for h in heads],
        }
    )


@pytest.fixture
def published(db) -> PublishedHead:
    write(3)
    head = publish_head()
    write(2)
    return head


def test_it_passes_while_the_published_heads_match(published: PublishedHead, capsys) -> None:
    report = verify_chain()
    assert report.ok and report.heads_checked == 1
    call_command("audit_verify")
    assert "audit chain OK: 5 entries" in capsys.readouterr().out


def test_it_fails_when_the_chain_was_rebuilt_after_publishing(published: PublishedHead, capsys) -> None:
    rebuild_chain_with(2, object_ref="C-forged")
    assert (
        chain.verify(
            (chain.Entry(e.seq, e.prev_hash, e.hash, e.chained_fields()) for e in AuditEvent.objects.order_by("seq")),
            head_seq=5,
            head_hash=AuditHead.objects.get().hash,
        )
        == []
    )  # the chain alone looks intact
    report = verify_chain()
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "rewritten_after_publishing")]
    with pytest.raises(CommandError, match="audit chain broken: 1 problem"):
        call_command("audit_verify")
    err = capsys.readouterr().err
    assert "entry 3: rewritten after publishing" in err
    assert "the chain was rewritten after the head was sent to the witness" in err


def test_an_edit_after_the_last_published_head_is_not_caught_by_it(published: PublishedHead) -> None:
    # The limit of anchoring: entries newer than the last published head are only chained.
    rebuild_chain_with(5, object_ref="C-forged")
    assert verify_chain().ok


def test_it_fails_when_published_entries_were_cut_off(published: PublishedHead) -> None:
    allow_tampering()
    AuditEvent.objects.filter(seq__gte=3).delete()
    last = AuditEvent.objects.get(seq=2)
    AuditHead.objects.filter(id=1).update(seq=2, hash=last.hash)
    assert [(p.seq, p.kind) for p in verify_chain().problems] == [(3, "missing_after_publishing")]


def test_the_witness_export_catches_a_rebuild_that_also_deleted_the_published_heads(
    published: PublishedHead, tmp_path
) -> None:
    heads_file = tmp_path / "heads.json"
    heads_file.write_text(export_of([published]))
    rebuild_chain_with(1, note="forged")
    PublishedHead.objects.all().delete()
    assert verify_chain().ok  # nothing local left to compare with
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("audit_verify", "--heads", str(heads_file))


def test_it_passes_with_a_matching_export(published: PublishedHead, tmp_path, capsys) -> None:
    heads_file = tmp_path / "heads.json"
    heads_file.write_text(export_of([published]))
    call_command("audit_verify", "--heads", str(heads_file))
    assert "1 published head(s) match" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"type": "trust_list"}', "not an export of audit heads"),
        ('{"type": "audit_heads", "node": "xk.nrm", "heads": []}', "is for node 'xk.nrm'"),
        ('{"type": "audit_heads", "node": "%s", "heads": [{"seq": 0, "hash": "x"}]}', r"heads\[0\] is not a head"),
    ],
)
def test_it_refuses_a_file_that_is_not_this_nodes_heads(db, tmp_path, content: str, message: str) -> None:
    heads_file = tmp_path / "heads.json"
    heads_file.write_text(content.replace("%s", settings.TRM_NODE_ID))
    with pytest.raises(CommandError, match=message):
        call_command("audit_verify", "--heads", str(heads_file))


def test_it_says_when_the_file_cannot_be_read(db, tmp_path) -> None:
    with pytest.raises(CommandError, match="cannot read the heads file"):
        call_command("audit_verify", "--heads", str(tmp_path / "absent.json"))


def test_check_heads_names_missing_and_rewritten_entries() -> None:
    heads = [
        anchors.Head(1, "a" * 64, "published"),
        anchors.Head(2, "b" * 64, "published"),
        anchors.Head(3, "c" * 64, "published"),
    ]
    found = anchors.check_heads({1: "a" * 64, 2: "f" * 64}, heads)
    assert [(h.seq, what) for h, what in found] == [(2, "rewritten"), (3, "missing")]
