"""Audit chain heads go to a witness node in signed trm/1 audit_head messages; the witness keeps them."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tests.exchange.shell_support import PEER, PEER_SIG, Net, PeerInbox, setup_network
from trm.audit.models import AuditEvent, AuditHead, PublishedHead, WitnessedHead
from trm.exchange import chores, inbox, outbox, protocol
from trm.exchange.messages import format_time
from trm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus
from trm.network import anchoring


@pytest.fixture
def net(db) -> Net:
    return setup_network()


@pytest.fixture
def witness(net: Net) -> PeerInbox:
    """The peer xk.nrm as our witness, answering signed receipts (httpx.MockTransport)."""
    return PeerInbox(net)


def deliver(peer: PeerInbox) -> list[str]:
    with peer.client() as client:
        return [o.status for o in outbox.deliver_due(client=client, rng=random.Random(7))]


# --- publishing -------------------------------------------------------------------------------


@override_settings(TRM_AUDIT_WITNESS=PEER)
def test_it_sends_the_chain_head_to_the_witness_and_keeps_its_signed_receipt(net: Net, witness: PeerInbox) -> None:
    head = AuditHead.objects.get()
    entry = AuditEvent.objects.get(seq=head.seq)
    published = anchoring.publish()
    assert (published.seq, published.hash, published.witness) == (entry.seq, entry.hash, PEER)
    sent = OutboxMessage.objects.get(message_id=published.message_id)
    assert sent.type == "audit_head" and sent.recipient == PEER
    assert sent.envelope["body"] == {"seq": entry.seq, "hash": entry.hash, "at": format_time(entry.at)}
    assert sent.envelope["legal_basis"] == "public_task" and "consent_ref" not in sent.envelope
    assert deliver(witness) == ["delivered"]
    assert witness.stored == [str(published.message_id)]
    assert anchoring.collect_receipts() == 1
    published.refresh_from_db()
    receipt = protocol.verify_receipt(
        published.receipt,
        sent_token=sent.token,
        receiver=PEER,
        trust_list=net.trust_list,
        now=timezone.now(),
        message_id=str(published.message_id),
    )
    assert receipt.status == "accepted"


def test_it_needs_a_witness(net: Net) -> None:
    with pytest.raises(anchoring.NotConfigured):
        anchoring.publish()
    with pytest.raises(CommandError, match="no witness"):
        call_command("audit_publish")
    assert not PublishedHead.objects.exists()


def test_the_command_queues_the_head_and_refuses_a_node_off_the_trust_list(net: Net, capsys) -> None:
    call_command("audit_publish", "--witness", PEER)
    assert "queued to xk.nrm" in capsys.readouterr().out
    assert OutboxMessage.objects.filter(type="audit_head", recipient=PEER).count() == 1
    with pytest.raises(CommandError, match="cannot be sent: no_encryption_key"):
        call_command("audit_publish", "--witness", "nowhere.nrm")
    assert PublishedHead.objects.count() == 1


@override_settings(TRM_AUDIT_WITNESS=PEER, TRM_AUDIT_PUBLISH_EVERY=3600)
def test_the_worker_chore_publishes_once_per_interval(net: Net, witness: PeerInbox) -> None:
    now = timezone.now()
    assert anchoring.publish_due(now) is not None
    assert anchoring.publish_due(now + timedelta(minutes=59)) is None
    assert deliver(witness) == ["delivered"]
    later = anchoring.publish_due(now + timedelta(minutes=61))
    assert later is not None
    # The receipt of the first head was collected on the way.
    assert PublishedHead.objects.exclude(receipt="").count() == 1
    assert later.seq > PublishedHead.objects.order_by("seq").first().seq


def test_the_chore_does_nothing_without_a_witness(net: Net) -> None:
    assert anchoring.publish_due(timezone.now()) is None
    assert not OutboxMessage.objects.filter(type="audit_head").exists()


def test_the_worker_runs_registered_chores_at_their_interval(monkeypatch) -> None:
    monkeypatch.setattr(chores, "_chores", {})
    ran: list[object] = []
    chores.register("test chore", ran.append, every_seconds=60)
    for tick in (1000.0, 1030.0, 1061.0):
        chores.run_due(timezone.now(), clock=lambda tick=tick: tick)
    assert len(ran) == 2


def test_the_network_app_registers_the_publishing_chore_and_the_handler() -> None:
    assert chores._chores["publish audit head"].run is anchoring.publish_due
    assert inbox._handlers["audit_head"] is anchoring.on_audit_head


def test_a_failing_chore_does_not_stop_the_others(monkeypatch, caplog) -> None:
    monkeypatch.setattr(chores, "_chores", {})
    ran: list[object] = []

    def broken(now: object) -> None:
        raise RuntimeError("secret detail")

    chores.register("broken", broken)
    chores.register("fine", ran.append)
    assert chores.run_due(timezone.now()) == 2
    assert ran and "RuntimeError" in caplog.text and "secret detail" not in caplog.text


# --- witnessing -------------------------------------------------------------------------------


def send_head(net: Net, seq: int, hash_: str, *, created_ago: timedelta = timedelta(0)) -> InboxMessage:
    """xk.nrm sends us (its witness) a head; the inbox stores it and the worker handles it."""
    now = timezone.now() - created_ago
    message = protocol.build(
        "audit_head",
        sender=PEER,
        recipient=net.us,
        body={"seq": seq, "hash": hash_, "at": format_time(now)},
        message_id=uuid.uuid4(),
        conversation=anchoring.conversation_for(PEER, net.us),
        now=now,
        purpose="accountability",
        legal_basis="public_task",
    )
    token = protocol.seal(
        message, sender_key=PEER_SIG, recipient_key=net.trust_list.encryption_key(net.us, now), now=now
    )
    assert inbox.receive(token.encode()).status == 200
    inbox.process_received()
    return InboxMessage.objects.get(message_id=message.id)


def test_the_witness_keeps_each_head_per_node(net: Net) -> None:
    row = send_head(net, 10, "a" * 64)
    assert row.status == "processed"
    second = send_head(net, 12, "b" * 64)
    assert second.status == "processed"
    heads = list(WitnessedHead.objects.filter(node=PEER).order_by("seq"))
    assert [(h.seq, h.hash, h.alarm) for h in heads] == [(10, "a" * 64, ""), (12, "b" * 64, "")]
    assert str(heads[0].message_id) == str(row.message_id)


def test_an_equivocating_head_raises_the_alarm_and_is_audited(net: Net, caplog) -> None:
    send_head(net, 10, "a" * 64, created_ago=timedelta(minutes=2))
    send_head(net, 10, "c" * 64)
    fork = WitnessedHead.objects.get(hash="c" * 64)
    assert fork.alarm == "fork"
    assert WitnessedHead.objects.count() == 2  # both kept
    event = AuditEvent.objects.get(object_type="audit.witnessedhead")
    assert event.note == "audit head alarm: fork from xk.nrm at entry 10"
    assert "alarm=fork node=xk.nrm seq=10" in caplog.text


def test_a_lower_head_created_later_is_a_rollback(net: Net) -> None:
    send_head(net, 20, "a" * 64, created_ago=timedelta(minutes=5))
    send_head(net, 15, "b" * 64)
    assert WitnessedHead.objects.get(seq=15).alarm == "rollback"


def test_an_older_head_arriving_late_is_no_alarm(net: Net) -> None:
    send_head(net, 20, "a" * 64)
    send_head(net, 15, "b" * 64, created_ago=timedelta(minutes=5))  # a retried older message
    send_head(net, 20, "a" * 64, created_ago=timedelta(minutes=1))  # the same head again
    assert not WitnessedHead.objects.exclude(alarm="").exists()


def test_the_witness_exports_a_nodes_heads(net: Net, tmp_path, capsys) -> None:
    send_head(net, 10, "a" * 64, created_ago=timedelta(minutes=1))
    send_head(net, 11, "b" * 64)
    out = tmp_path / "heads.json"
    call_command("audit_export_heads", "--node", PEER, "--output", str(out))
    import json

    data = json.loads(out.read_text())
    assert (data["type"], data["node"], data["witness"]) == ("audit_heads", PEER, net.us)
    assert [(h["seq"], h["hash"]) for h in data["heads"]] == [(10, "a" * 64), (11, "b" * 64)]
    assert AuditEvent.objects.filter(action="export", object_ref=PEER).exists()
    with pytest.raises(CommandError, match="no audit head"):
        call_command("audit_export_heads", "--node", "al.nrm")


def test_a_delivered_head_leaves_the_outbox_as_delivered(net: Net, witness: PeerInbox) -> None:
    anchoring.publish(witness=PEER)
    deliver(witness)
    assert OutboxMessage.objects.get(type="audit_head").status == OutboxStatus.DELIVERED


# --- the alarm on the witness's dashboard ------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("focal_point", True),
        ("network_secretariat", True),
        ("data_protection_officer", True),
        ("first_responder", False),
    ],
)
def test_the_dashboard_shows_an_alarm_to_those_who_act_on_it(net: Net, client_as, role: str, shown: bool) -> None:
    send_head(net, 10, "a" * 64, created_ago=timedelta(minutes=2))
    send_head(net, 10, "c" * 64)
    page = client_as(role).get("/").content.decode()
    assert ("Audit chain alarms" in page) is shown
    if shown:
        assert "xk.nrm" in page and "same entry, other hash" in page


def test_the_dashboard_shows_no_alarm_panel_without_alarms(net: Net, client_as) -> None:
    send_head(net, 10, "a" * 64)
    assert "Audit chain alarms" not in client_as("focal_point").get("/").content.decode()


def test_audit_heads_stay_out_of_the_transnational_inbox(net: Net) -> None:
    from trm.transnational import timeline

    send_head(net, 10, "a" * 64)
    assert InboxMessage.objects.filter(type="audit_head").exists()
    assert timeline.latest_received() == []


@override_settings(TRM_AUDIT_WITNESS=PEER)
def test_one_worker_pass_publishes_and_delivers_the_head(net: Net, witness: PeerInbox, monkeypatch, capsys) -> None:
    from trm.exchange import transport

    monkeypatch.setattr(transport, "make_client", witness.client)
    monkeypatch.setattr(chores._chores["publish audit head"], "next_at", 0.0)
    call_command("exchange_worker", "--once")
    assert "delivered 1" in capsys.readouterr().out
    head = PublishedHead.objects.get()
    assert witness.stored == [str(head.message_id)]
