"""The outbox: enqueue in the caller's transaction, claim, deliver at least once, back off, give up."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.exchange.shell_support import PEER, PEER_ENC, Net, PeerInbox, setup_network
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.audit.verification import verify_chain
from trm.exchange import keys, outbox, protocol
from trm.exchange.errors import Code, LocalProtocolError
from trm.exchange.models import OutboxMessage, OutboxPeer, OutboxStatus, TrustListState
from trm.exchange.vectors import SAMPLE_BODIES


@pytest.fixture
def net(db) -> Net:
    return setup_network()


@pytest.fixture
def peer(net: Net) -> PeerInbox:
    return PeerInbox(net)


def enqueue(type_: str = "case_notification", **kw) -> OutboxMessage:
    body = dict(SAMPLE_BODIES[type_])
    kw.setdefault("purpose", "assistance")
    kw.setdefault("legal_basis", "consent")
    kw.setdefault("consent_ref", "CONSENT-2026-0042")
    return outbox.enqueue(type_, recipient=PEER, body=body, **kw)


def deliver(peer: PeerInbox, *, now=None, rng=None) -> list[outbox.Outcome]:
    """One worker pass at ``now``: claim, then deliver in order (as ``deliver_due``)."""
    now = now or timezone.now()
    with peer.client() as client:
        return outbox.deliver_batch(
            outbox.claim(10, now=now), client=client, rng=rng or random.Random(7), clock=lambda: now
        )


class MaxRandom(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def test_it_stores_a_sealed_message_for_the_worker(net: Net) -> None:
    row = enqueue()
    assert (row.status, row.recipient, row.attempts) == (OutboxStatus.PENDING, PEER, 0)
    message = protocol.open_(
        row.token, our_node_id=PEER, our_keys=[PEER_ENC], trust_list=net.trust_list, now=timezone.now(), seen=set()
    )
    assert (message.id, message.sender, message.body["case_ref"]) == (str(row.message_id), net.us, "XK-2026-0042")
    assert AuditEvent.objects.filter(action="send", object_ref=str(row.message_id), note="queued case_notification")


def test_it_keeps_the_envelope_and_token_encrypted_at_rest(net: Net) -> None:
    enqueue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT envelope, token FROM exchange_outboxmessage")
        envelope, token = cursor.fetchone()
    assert "XK-2026-0042" not in envelope
    assert token.count(".") != 4  # not the bare JWE


def test_it_rolls_back_with_the_callers_transaction(net: Net) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError
    assert OutboxMessage.objects.count() == 0


def test_it_refuses_a_message_the_protocol_forbids_and_stores_nothing(net: Net) -> None:
    body = {**SAMPLE_BODIES["identity_verification_request"], "asylum_seeker": True}
    with pytest.raises(LocalProtocolError) as info:
        outbox.enqueue(
            "identity_verification_request",
            recipient=PEER,
            body=body,
            purpose="identification",
            legal_basis="consent",
            consent_ref="CONSENT-1",
        )
    assert info.value.code == Code.ASYLUM_SEEKER_IDENTITY_REQUEST
    assert OutboxMessage.objects.count() == 0


def test_it_refuses_a_recipient_without_encryption_key(net: Net) -> None:
    with pytest.raises(LocalProtocolError) as info:
        outbox.enqueue(
            "case_notification",
            recipient="zz.nrm",
            body=SAMPLE_BODIES["case_notification"],
            purpose="assistance",
            legal_basis="consent",
            consent_ref="C-1",
        )
    assert info.value.code == Code.NO_ENCRYPTION_KEY


def test_it_needs_a_trust_list(net: Net) -> None:
    TrustListState.objects.update(token="")
    with pytest.raises(keys.NoTrustList):
        enqueue()


def test_it_checks_no_role_and_names_the_sender_in_the_audit(net: Net, user_with_role) -> None:
    """Who may send is the transnational verbs' rule; the protocol part only records who did."""
    user = user_with_role(Role.FIRST_RESPONDER)
    row = enqueue(by=user)
    assert row.status == OutboxStatus.PENDING
    assert AuditEvent.objects.filter(actor_id=user.pk, object_ref=str(row.message_id)).exists()


# --- claiming -----------------------------------------------------------------------------


def test_claim_takes_due_rows_once_and_leases_them(net: Net) -> None:
    first, second = enqueue(), enqueue()
    now = timezone.now()
    OutboxMessage.objects.filter(pk=second.pk).update(next_attempt_at=now + timedelta(minutes=5))
    claimed = outbox.claim(10, now=now)
    assert [row.pk for row in claimed] == [first.pk]
    assert claimed[0].status == OutboxStatus.SENDING
    assert outbox.claim(10, now=now) == []
    # A worker that died leaves the lease; it runs out and another worker takes the row.
    retaken = outbox.claim(10, now=now + outbox.LEASE + timedelta(seconds=1))
    assert [row.pk for row in retaken] == [first.pk]
    assert second.pk in [row.pk for row in outbox.claim(10, now=now + timedelta(minutes=6))]


def test_claim_respects_the_batch_size(net: Net) -> None:
    for _ in range(5):
        enqueue()
    assert len(outbox.claim(3, now=timezone.now())) == 3
    assert len(outbox.claim(3, now=timezone.now())) == 2


def test_claim_locks_rows_with_skip_locked_on_postgresql_only(db) -> None:
    assert connection.features.has_select_for_update_skip_locked == (connection.vendor == "postgresql")


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_take_the_same_row() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: a claim holds the write lock from its start (IMMEDIATE)")
    setup_network()
    rows = [enqueue() for _ in range(40)]
    now = timezone.now()
    barrier = threading.Barrier(4)
    taken: list[list[int]] = []

    def work() -> None:
        barrier.wait()
        try:
            mine: list[int] = []
            while batch := outbox.claim(3, now=now):
                mine.extend(row.pk for row in batch)
            taken.append(mine)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    flat = [pk for mine in taken for pk in mine]
    assert sorted(flat) == sorted(row.pk for row in rows)
    assert len(flat) == len(set(flat))


# --- delivering ---------------------------------------------------------------------------


def test_it_delivers_and_keeps_the_verified_receipt(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    assert [o.status for o in deliver(peer)] == ["delivered"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.DELIVERED, 1, "")
    receipt = protocol.verify_receipt(
        row.receipt, sent_token=row.token, receiver=PEER, trust_list=net.trust_list, now=timezone.now()
    )
    assert receipt.status == "accepted"
    assert peer.stored == [str(row.message_id)]
    assert AuditEvent.objects.filter(action="send", object_ref=str(row.message_id), note="delivered").exists()


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (503, "http_503"),
        (500, "http_500"),
        (429, "http_429"),
        ("drop", "connect"),
        ("timeout", "timeout"),
        ("garbage", "receipt_malformed_receipt"),
    ],
)
def test_it_retries_later_after_a_failure(net: Net, peer: PeerInbox, action, reason) -> None:
    row = enqueue()
    peer.script = [action]
    now = timezone.now()
    assert [o.status for o in deliver(peer, now=now)] == ["pending"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, reason)
    assert now <= row.next_attempt_at <= now + timedelta(seconds=60)
    assert outbox.claim(10, now=now) == [] or row.next_attempt_at == now
    assert [o.status for o in deliver(peer, now=row.next_attempt_at)] == ["delivered"]
    assert peer.stored == [str(row.message_id)]


def test_a_response_lost_after_the_peer_stored_does_not_duplicate_the_message(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    peer.script = ["store_then_drop"]
    assert [o.status for o in deliver(peer)] == ["pending"]
    row.refresh_from_db()
    assert [o.status for o in deliver(peer, now=row.next_attempt_at)] == ["delivered"]
    assert peer.stored == [str(row.message_id)]  # stored once
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED


def test_back_off_grows_exponentially_up_to_the_cap() -> None:
    rng = MaxRandom()
    waits = [outbox.backoff(n, rng).total_seconds() for n in range(1, 10)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert 0 <= outbox.backoff(3, random.Random(1)).total_seconds() <= 240


def test_it_waits_at_least_retry_after(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    peer.script = [("retry_after", 600)]
    now = timezone.now()
    deliver(peer, now=now, rng=random.Random(3))
    row.refresh_from_db()
    assert row.next_attempt_at >= now + timedelta(seconds=600)


def test_a_permanent_http_error_retries_at_the_slowest_pace(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    peer.script = [404]
    now = timezone.now()
    deliver(peer, now=now)
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.PENDING, "http_404")
    assert row.next_attempt_at == now + outbox.MAX_DELAY


def test_it_gives_up_when_the_message_expires(net: Net, peer: PeerInbox) -> None:
    # A peer that never answers is probed at most every PEER_MAX_DELAY until the message expires.
    row = enqueue(ttl=timedelta(minutes=10))
    peer.script = ["drop"] * 50
    now = timezone.now()
    for _ in range(50):
        outcomes = deliver(peer, now=now, rng=MaxRandom())
        row.refresh_from_db()
        if row.status == OutboxStatus.DEAD:
            break
        now = row.next_attempt_at
    assert row.status == OutboxStatus.DEAD
    assert outcomes[-1].error == "expired"
    assert row.next_attempt_at <= row.expires
    assert AuditEvent.objects.filter(action="send", object_ref=str(row.message_id), note="dead: expired").exists()
    assert peer.stored == []


def test_a_rejection_is_final(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    peer.script = [("reject", Code.SCHEMA_VIOLATION)]
    assert [o.status for o in deliver(peer)] == ["rejected"]
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.REJECTED, "schema_violation")
    assert outbox.claim(10, now=timezone.now() + timedelta(days=1)) == []


def test_an_unknown_recipient_key_reseals_the_same_envelope_once(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    old_token = row.token
    peer.script = [("reject", Code.UNKNOWN_RECIPIENT_KEY), ("reject", Code.UNKNOWN_RECIPIENT_KEY)]
    assert [o.status for o in deliver(peer)] == ["pending"]
    row.refresh_from_db()
    assert row.resealed and row.token != old_token
    assert [o.status for o in deliver(peer)] == ["rejected"]


def test_deliver_one_needs_a_claimed_row(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    with pytest.raises(ValueError), peer.client() as client:
        outbox.deliver_one(row, client=client, now=timezone.now(), rng=random.Random())


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_claim(net: Net, peer: PeerInbox) -> None:
    enqueue()
    now = timezone.now()
    (stale,) = outbox.claim(1, now=now)
    (fresh,) = outbox.claim(1, now=now + outbox.LEASE + timedelta(seconds=1))
    peer.script = [503]
    with peer.client() as client:
        outbox.deliver_one(stale, client=client, now=now, rng=random.Random())
    fresh.refresh_from_db()
    assert (fresh.status, fresh.attempts) == (OutboxStatus.SENDING, 0)


def test_deliver_due_runs_one_pass(net: Net, peer: PeerInbox) -> None:
    enqueue()
    enqueue()
    with peer.client() as client:
        outcomes = outbox.deliver_due(client=client, rng=random.Random())
    assert [o.status for o in outcomes] == ["delivered", "delivered"]


def test_the_worker_command_stops_after_one_pass_with_once(net: Net, capsys) -> None:
    call_command("exchange_worker", "--once")
    assert "delivered 0" in capsys.readouterr().out


# --- a peer that fails, and one that comes back ----------------------------------------------


def peer_state() -> OutboxPeer:
    return OutboxPeer.objects.get(node_id=PEER)


def test_a_peer_backs_off_briefly_at_first_and_never_beyond_its_cap() -> None:
    rng = MaxRandom()
    assert [outbox.peer_backoff(n, rng).total_seconds() for n in range(1, 10)] == [
        0.5,
        1,
        2,
        4,
        8,
        16,
        30,
        30,
        30,
    ]

    class MinRandom(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return a

    assert outbox.peer_backoff(1, MinRandom()).total_seconds() == 0.25  # never zero: no tight loop


def test_a_refused_connection_holds_the_peers_queue_for_a_moment_not_each_message(net: Net, peer: PeerInbox) -> None:
    rows = [enqueue() for _ in range(5)]
    peer.script = ["drop"]
    now = timezone.now()
    outcomes = deliver(peer, now=now, rng=MaxRandom())
    # One attempt, the rest of the batch given back untried: a dead peer costs one request.
    assert [(o.status, o.error, o.peer_down) for o in outcomes] == [("pending", "connect", True)]
    assert peer.requests == 1
    state = peer_state()
    assert (state.failures, state.last_error, state.retry_at) == (1, "connect", now + timedelta(seconds=0.5))
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.next_attempt_at) == (OutboxStatus.PENDING, state.retry_at)
    assert [row.attempts for row in rows] == [1, 0, 0, 0, 0]
    assert outbox.claim(10, now=now + timedelta(seconds=0.4)) == []
    # The peer is back half a second later: the whole queue leaves at once and the peer is cleared.
    assert [o.status for o in deliver(peer, now=state.retry_at)] == ["delivered"] * 5
    assert (peer_state().failures, peer_state().retry_at) == (0, None)


def test_a_peer_in_back_off_is_probed_with_one_message(net: Net, peer: PeerInbox) -> None:
    for _ in range(4):
        enqueue()
    peer.script = [503, 503]
    now = timezone.now()
    deliver(peer, now=now, rng=MaxRandom())
    retry_at = peer_state().retry_at
    assert outbox.claim_per_peer(10, now=now, peers=4) == []
    (probe,) = outbox.claim_per_peer(10, now=retry_at, peers=4)
    assert len(probe) == 1
    with peer.client() as client:
        outcomes = outbox.deliver_batch(probe, client=client, rng=MaxRandom(), clock=lambda: retry_at)
    assert [o.error for o in outcomes] == ["http_503"]
    state = peer_state()
    assert (state.failures, state.retry_at) == (2, retry_at + timedelta(seconds=1))
    (probe,) = outbox.claim_per_peer(10, now=state.retry_at, peers=4)
    assert len(probe) == 1
    with peer.client() as client:
        assert [o.status for o in outbox.deliver_batch(probe, client=client, rng=MaxRandom())] == ["delivered"]
    (rest,) = outbox.claim_per_peer(10, now=timezone.now() + timedelta(seconds=5), peers=4)
    assert len(rest) == 3  # the peer answered: a whole batch again


def test_a_failure_seen_twice_in_one_window_lengthens_the_wait_once(net: Net) -> None:
    now = timezone.now()
    first = outbox.note_peer_failure(PEER, "connect", now=now, rng=MaxRandom())
    again = outbox.note_peer_failure(PEER, "timeout", now=now + timedelta(seconds=0.1), rng=MaxRandom())
    assert first == again == now + timedelta(seconds=0.5)
    assert peer_state().failures == 1


def test_a_failure_of_the_message_itself_does_not_hold_the_peer(net: Net, peer: PeerInbox) -> None:
    bad = enqueue()
    enqueue()
    peer.script = ["garbage"]
    assert [o.status for o in deliver(peer)] == ["pending", "delivered"]
    bad.refresh_from_db()
    assert (bad.status, bad.last_error) == (OutboxStatus.PENDING, "receipt_malformed_receipt")
    assert not OutboxPeer.objects.filter(failures__gt=0).exists()


def test_an_expired_message_is_given_up_even_while_its_peer_waits(net: Net, peer: PeerInbox) -> None:
    row = enqueue(ttl=timedelta(minutes=1))
    outbox.note_peer_failure(PEER, "connect", now=row.expires - timedelta(seconds=1), rng=MaxRandom())
    assert [o.status for o in deliver(peer, now=row.expires)] == ["dead"]


# --- order within a conversation ------------------------------------------------------------


def test_a_conversation_leaves_in_order_whatever_fails_in_between(net: Net, peer: PeerInbox) -> None:
    conversation = uuid.uuid4()
    first = enqueue(conversation=conversation)
    second = enqueue(conversation=conversation)
    other = enqueue()
    now = timezone.now()
    # The first fails on its own and waits; the second waits behind it, another conversation does not.
    peer.script = ["garbage"]
    assert [o.status for o in deliver(peer, now=now, rng=MaxRandom())] == ["pending", "delivered"]
    assert peer.stored == [str(other.message_id)]
    first.refresh_from_db()
    assert outbox.claim(10, now=first.next_attempt_at - timedelta(seconds=1)) == []
    # Once due, the first leaves and the second follows it in the same pass.
    assert [o.status for o in deliver(peer, now=first.next_attempt_at)] == ["delivered", "delivered"]
    assert peer.stored == [str(other.message_id), str(first.message_id), str(second.message_id)]


def test_a_rejected_or_dead_message_does_not_block_its_conversation(net: Net, peer: PeerInbox) -> None:
    conversation = uuid.uuid4()
    enqueue(conversation=conversation)
    second = enqueue(conversation=conversation)
    peer.script = [("reject", Code.SCHEMA_VIOLATION)]
    assert [o.status for o in deliver(peer)] == ["rejected", "delivered"]
    assert peer.stored == [str(second.message_id)]


# --- leases ---------------------------------------------------------------------------------


def test_a_lease_is_short_and_renewed_while_its_worker_lives(net: Net) -> None:
    row = enqueue()
    now = timezone.now()
    (held,) = outbox.claim(1, now=now)
    assert timedelta(seconds=15) >= outbox.LEASE
    # Renewed by the living worker: nobody else takes it.
    later = now + outbox.LEASE - timedelta(seconds=1)
    assert outbox.renew([held.claim_token], now=later) == 1
    assert outbox.claim(1, now=now + outbox.LEASE + timedelta(seconds=1)) == []
    # The worker dies (no more renewals): one lease later the row is taken over and sent again.
    (taken,) = outbox.claim(1, now=later + outbox.LEASE)
    assert taken.pk == row.pk and taken.claim_token != held.claim_token
    assert outbox.renew([held.claim_token], now=later + outbox.LEASE) == 0


def test_a_row_released_goes_back_due_without_an_attempt(net: Net) -> None:
    row = enqueue()
    now = timezone.now()
    (held,) = outbox.claim(1, now=now)
    assert outbox.release(held, now=now)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claim_token, row.next_attempt_at) == (OutboxStatus.PENDING, 0, None, now)
    assert [r.pk for r in outbox.claim(1, now=now)] == [row.pk]


def test_the_status_command_lists_the_peers_in_back_off(net: Net, peer: PeerInbox, capsys) -> None:
    import json

    enqueue()
    peer.script = ["drop"]
    deliver(peer)
    call_command("exchange_status")
    report = json.loads(capsys.readouterr().out)
    assert report["outbox"] == {"pending": 1}
    assert report["peers_failing"][PEER]["failures"] == 1
    assert report["peers_failing"][PEER]["last_error"] == "connect"
    assert report["inbox_deferred"] == 0


def test_a_peer_gets_several_lanes_each_with_conversations_of_its_own(net: Net) -> None:
    conversations = [uuid.uuid4() for _ in range(3)]
    for conversation in conversations:
        for _ in range(2):
            enqueue(conversation=conversation)
    now = timezone.now()
    first = outbox.claim_per_peer(1, now=now, peers=4, held={}, per_peer=2)
    second = outbox.claim_per_peer(1, now=now, peers=4, held={PEER: 1}, per_peer=2)
    assert outbox.claim_per_peer(1, now=now, peers=4, held={PEER: 2}, per_peer=2) == []
    held = [row for rows in (*first, *second) for row in rows]
    assert len(held) == 2
    assert len({row.conversation for row in held}) == 2  # two lanes, two conversations
    # However many lanes ask, no second message of a conversation leaves before its first.
    rest = outbox.claim(10, now=now)
    assert {row.conversation for row in rest} == set(conversations) - {row.conversation for row in held}
    assert len(rest) == 1


def test_a_failing_peer_is_probed_in_one_lane_only(net: Net) -> None:
    for _ in range(3):
        enqueue(conversation=uuid.uuid4())
    now = timezone.now()
    outbox.note_peer_failure(PEER, "connect", now=now - timedelta(seconds=5), rng=random.Random(1))
    assert outbox.claim_per_peer(10, now=now, peers=4, held={PEER: 1}, per_peer=4) == []
    (probe,) = outbox.claim_per_peer(10, now=now, peers=4, held={}, per_peer=4)
    assert len(probe) == 1


def test_a_batch_is_recorded_in_one_transaction_with_one_audit_entry_each(net: Net, peer: PeerInbox) -> None:
    rows = [enqueue() for _ in range(10)]
    with CaptureQueriesContext(connection) as queries:
        outcomes = deliver(peer)
    assert [o.status for o in outcomes] == ["delivered"] * 10
    # One commit for the ten outcomes (and one for the claim), not one each.
    assert sum(1 for q in queries.captured_queries if q["sql"] == "COMMIT") <= 2
    for row in rows:
        row.refresh_from_db()
        assert row.status == OutboxStatus.DELIVERED and row.receipt and row.claim_token is None
        assert AuditEvent.objects.filter(action="send", object_ref=str(row.message_id), note="delivered").count() == 1
    assert verify_chain().ok


def test_a_receipt_is_not_recorded_for_a_row_another_worker_took_over(net: Net, peer: PeerInbox) -> None:
    row = enqueue()
    now = timezone.now()
    (claimed,) = outbox.claim(1, now=now)
    delivered: list = []
    with peer.client() as client:
        outcome = outbox.deliver_one(claimed, client=client, now=now, rng=random.Random(1), delivered=delivered)
    assert outcome.status == "delivered" and len(delivered) == 1
    # The lease ran out and another worker claimed the row meanwhile: the row is its own.
    later = now + outbox.LEASE * 2
    (taken,) = outbox.claim(1, now=later)
    assert outbox.record_delivered(delivered) == []
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENDING and row.claim_token == taken.claim_token
    assert not AuditEvent.objects.filter(object_ref=str(row.message_id), note="delivered").exists()
