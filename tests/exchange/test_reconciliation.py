"""Two nodes in one process reconcile a period with trm/1 ``exchange_summary`` (§5.21).

This node sends through its real outbox; the peer (xk.nrm) is a small in-process node on
the other side of an ``httpx.MockTransport``: it opens every token with its own keys,
answers signed receipts, keeps what it received and states it in its own summaries. One
message the peer received is then lost by it, deliberately: both sides must report exactly
that message.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tests.exchange.shell_support import PEER, PEER_ENC, PEER_SIG, Net, setup_network
from trm.audit.models import AuditEvent
from trm.exchange import chores, inbox, outbox, protocol, reconciliation, summary
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import Handling, Message
from trm.exchange.models import InboxMessage, OutboxMessage, Summary, SummaryFinding
from trm.exchange.vectors import SAMPLE_BODIES


def whole(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass
class Peer:
    """xk.nrm: receives our tokens, keeps entries of what it holds, sends us messages and summaries."""

    net: Net
    held: dict[str, summary.Entry] = field(default_factory=dict)  # received from us
    sent: dict[str, summary.Entry] = field(default_factory=dict)  # sent to us, delivered
    summaries: list[Message] = field(default_factory=list)  # our summaries, as it opened them

    def handler(self, request: httpx.Request) -> httpx.Response:
        now = timezone.now()
        token = request.content
        try:
            message = protocol.open_(
                token, our_node_id=PEER, our_keys=[PEER_ENC], trust_list=self.net.trust_list, now=now, seen=set()
            )
        except ProtocolError as err:
            receipt = protocol.receipt_for_error(token, err, receiver=PEER, key=PEER_SIG, now=now)
        else:
            receipt = protocol.receipt_for(message, key=PEER_SIG, now=now)
            if message.type == "exchange_summary":
                self.summaries.append(message)
            else:
                self.held[message.id] = summary.Entry(
                    message.id, message.type, message.created, message.token_sha256 or "", "processed", whole(now)
                )
        return httpx.Response(200, content=receipt.encode(), headers={"Content-Type": "application/trm1-receipt+jws"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def deliver(self, clock: Any = timezone.now) -> None:
        """Our worker's pass: deliver the outbox to this peer."""
        with self.client() as client:
            outbox.deliver_due(client=client, rng=random.Random(7), clock=clock)

    def send_us(self, message: Message) -> None:
        token = self.net.seal(message)
        assert inbox.receive(token.encode()).status == 200
        self.sent[message.id] = summary.Entry(
            message.id, message.type, message.created, hashlib.sha256(token.encode()).hexdigest(), "delivered"
        )
        inbox.process_received()

    def statement(self, start: datetime, end: datetime) -> summary.Statement:
        def within(entries: dict[str, summary.Entry]) -> tuple[summary.Entry, ...]:
            return tuple(e for e in entries.values() if start <= e.created < end)

        return summary.Statement(PEER, settings.TRM_NODE_ID, start, end, within(self.sent), within(self.held))

    def send_summary(
        self, start: datetime, end: datetime, *, reply_requested: bool = False, now: datetime | None = None
    ) -> None:
        self.send_us(
            protocol.build(
                "exchange_summary",
                sender=PEER,
                recipient=settings.TRM_NODE_ID,
                body=summary.to_body(self.statement(start, end), reply_requested=reply_requested),
                message_id=uuid.uuid4(),
                conversation=reconciliation.conversation_for(PEER, settings.TRM_NODE_ID),
                now=now or timezone.now(),
                purpose="accountability",
                legal_basis="public_task",
                handling=Handling(("H0",)),
            )
        )


@pytest.fixture
def peer(db) -> Peer:
    return Peer(setup_network())


def send_to_peer(at: datetime) -> OutboxMessage:
    return outbox.enqueue(
        "case_notification",
        recipient=PEER,
        body=SAMPLE_BODIES["case_notification"],
        purpose="assistance",
        legal_basis="consent",
        consent_ref="CONSENT-2026-0042",
        now=at,
    )


@dataclass
class Scene:
    start: datetime
    end: datetime
    ours: list[OutboxMessage]
    dropped: str


@pytest.fixture
def scene(peer: Peer) -> Scene:
    """Three messages each way ten minutes ago; the peer then loses one of ours."""
    at = timezone.now() - timedelta(minutes=10)
    ours = [send_to_peer(at + timedelta(seconds=n)) for n in range(3)]
    peer.deliver()
    assert {row.status for row in OutboxMessage.objects.all()} == {"delivered"}
    for n in range(2):
        peer.send_us(peer.net.message("case_notification", now=at + timedelta(seconds=n)))
    dropped = str(ours[1].message_id)
    del peer.held[dropped]  # the peer's database lost a message it had acknowledged
    return Scene(whole(at - timedelta(minutes=5)), whole(timezone.now()), ours, dropped)


def test_a_peer_summary_is_compared_on_arrival_and_finds_exactly_the_lost_message(peer: Peer, scene: Scene) -> None:
    peer.send_summary(scene.start, scene.end)
    kept = Summary.objects.get(direction="received")
    assert (kept.peer, kept.reason, kept.findings) == (PEER, "schedule", 1)
    finding = SummaryFinding.objects.get()
    assert (str(finding.message_id), finding.kind, finding.here, finding.there) == (
        scene.dropped,
        "only_here",
        "delivered",
        "",
    )
    assert (finding.sender, finding.recipient) == (settings.TRM_NODE_ID, PEER)
    assert InboxMessage.objects.get(type="exchange_summary").status == "processed"
    event = AuditEvent.objects.filter(object_type="exchange.summary").get()
    assert event.note == f"summary from {PEER}: 1 finding(s)"


def test_a_request_is_answered_and_the_peer_finds_the_same_message(peer: Peer, scene: Scene) -> None:
    peer.send_summary(scene.start, scene.end, reply_requested=True)
    reply = Summary.objects.get(direction="sent")
    assert reply.reason == "reply" and reply.in_reply_to == InboxMessage.objects.get(type="exchange_summary").message_id
    peer.deliver()
    (ours,) = peer.summaries
    assert ours.in_reply_to == str(reply.in_reply_to) and "reply_requested" not in ours.body
    stated = summary.from_body(ours.body, node=settings.TRM_NODE_ID, peer=PEER)
    found = summary.compare(peer.statement(stated.start, stated.end), stated)
    assert [(d.message_id, d.kind, d.here, d.there) for d in found] == [(scene.dropped, "only_there", "", "delivered")]
    ours_received = InboxMessage.objects.exclude(type="exchange_summary")
    assert sorted((e.id, e.status) for e in stated.received) == sorted(
        (str(row.message_id), row.status) for row in ours_received
    )


def test_a_request_whose_period_ends_ahead_of_our_clock_is_answered_at_its_end(peer: Peer, scene: Scene) -> None:
    ahead = whole(timezone.now()) + timedelta(seconds=30)  # the peer's clock runs 30 s ahead
    peer.send_summary(scene.start, ahead, reply_requested=True, now=ahead + timedelta(seconds=1))
    reply = Summary.objects.get(direction="sent")
    assert (reply.period_end, reply.created) == (ahead, ahead)
    peer.deliver(clock=lambda: ahead)  # it leaves once our clock reaches its time
    assert peer.summaries[0].created == ahead


def test_trm_exchange_reconcile_prints_exactly_the_lost_message_and_fails(peer: Peer, scene: Scene, capsys) -> None:
    peer.send_summary(scene.start, scene.end)
    with pytest.raises(CommandError) as err:
        call_command(
            "exchange_reconcile",
            "--peer",
            PEER,
            "--from",
            scene.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "--to",
            scene.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    assert err.value.returncode == 1
    out = capsys.readouterr().out
    assert scene.dropped in out
    assert all(str(row.message_id) not in out for row in scene.ours if str(row.message_id) != scene.dropped)
    assert "only here" in out and "delivered" in out


def test_a_period_no_summary_covers_is_reported_and_is_no_reconciliation(peer: Peer, scene: Scene) -> None:
    report = reconciliation.reconcile(PEER, scene.start, scene.end)
    assert report.uncovered == [(scene.start, scene.end)] and not report.reconciled
    with pytest.raises(CommandError) as err:
        call_command("exchange_reconcile", "--peer", PEER, "--from", scene.start.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert err.value.returncode == 2


def test_after_the_peer_recovers_the_message_the_period_reconciles(peer: Peer, scene: Scene, capsys) -> None:
    peer.send_summary(scene.start, scene.end)
    peer.held[scene.dropped] = summary.Entry(
        scene.dropped,
        "case_notification",
        whole(scene.ours[1].created),
        hashlib.sha256(scene.ours[1].token.encode()).hexdigest(),
        "processed",
        whole(timezone.now()),
    )
    peer.send_summary(scene.start, scene.end)  # newer: it wins over the first
    report = reconciliation.reconcile(PEER, scene.start, scene.end)
    assert report.reconciled and len(report.parts) == 1
    call_command(  # the period the summaries cover: "now" moves on while a slow machine runs the test
        "exchange_reconcile",
        "--peer",
        PEER,
        "--from",
        scene.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--to",
        scene.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--json",
    )
    assert '"reconciled": true' in capsys.readouterr().out


def test_newer_summaries_cover_what_they_cover_and_older_ones_the_rest(peer: Peer, scene: Scene) -> None:
    middle = scene.start + (scene.end - scene.start) / 2
    peer.send_summary(scene.start, scene.end)
    peer.send_summary(whole(middle), scene.end)
    report = reconciliation.reconcile(PEER, scene.start, scene.end)
    assert [(p.start, p.end) for p in report.parts] == [(scene.start, whole(middle)), (whole(middle), scene.end)]
    assert [d.message_id for d in report.findings] == [scene.dropped]


def test_asking_sends_our_summary_with_a_request(peer: Peer, scene: Scene) -> None:
    with pytest.raises(CommandError):
        call_command(
            "exchange_reconcile", "--peer", PEER, "--from", scene.start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--ask"
        )
    asked = Summary.objects.get(direction="sent")
    assert asked.reason == "request" and asked.body["reply_requested"] is True
    assert {e["id"] for e in asked.body["sent"]} == {str(r.message_id) for r in scene.ours}
    assert len(asked.body["received"]) == 2
    peer.deliver()
    assert peer.summaries and peer.summaries[0].body["reply_requested"] is True


@pytest.mark.parametrize(
    ("start", "end"),
    [(timedelta(hours=-1), timedelta(hours=-2)), (timedelta(hours=-1), timedelta(hours=1))],
)
def test_a_period_that_has_not_ended_or_ends_before_it_starts_is_refused(peer: Peer, start, end) -> None:
    now = timezone.now()
    with pytest.raises(CommandError) as err:
        call_command(
            "exchange_reconcile",
            "--peer",
            PEER,
            "--from",
            (now + start).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "--to",
            (now + end).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    assert err.value.returncode == 2
    assert not Summary.objects.exists()


def test_the_chore_sends_each_ended_period_once_to_each_peer(peer: Peer) -> None:
    at = timezone.now()
    send_to_peer(at)
    later = at + timedelta(days=2)  # the worker runs two days later
    with override_settings(TRM_EXCHANGE_SUMMARY_EVERY=86400):
        assert reconciliation.send_due(at) == []  # the message's day has not ended
        first = reconciliation.send_due(later)
        assert reconciliation.send_due(later) == []
    day = reconciliation.period_ending(at, timedelta(days=1))
    assert next((s.period_start, s.period_end - s.period_start) for s in first) == (day, timedelta(days=1))
    assert 1 <= len(first) <= 2 and first[-1].period_end <= later - timedelta(hours=1)
    assert all(s.reason == "schedule" and s.peer == PEER for s in first)
    assert all(b.period_start == a.period_end for a, b in itertools.pairwise(first))
    assert first[0].body["sent"][0]["status"] == "pending"
    with override_settings(TRM_EXCHANGE_SUMMARY_EVERY=0):
        assert reconciliation.send_due(later + timedelta(days=3)) == []


def test_the_exchange_registers_its_handler_and_its_chore() -> None:
    assert inbox._handlers["exchange_summary"] is reconciliation.on_summary
    assert chores._chores["send exchange summaries"].run is reconciliation.send_due


def test_a_summary_carries_no_personal_data(peer: Peer, scene: Scene) -> None:
    (sent,) = reconciliation.send(PEER, scene.start, scene.end, now=timezone.now())
    text = repr(sent.body)
    body: dict[str, Any] = SAMPLE_BODIES["case_notification"]
    assert body["case_ref"] not in text
    assert set(sent.body["sent"][0]) == {"id", "type", "created", "token_sha256", "status"}
