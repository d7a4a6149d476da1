"""The worker's loop: one hung peer delays no other, leases are renewed while a lane works,
and a stopping worker gives back what it has not tried."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from tests.exchange.shell_support import (
    PEER,
    Net,
    PeerInbox,
    key_doc,
    peer_entry,
    seeded,
    signed,
    trust_list_doc,
)
from trm.exchange import keys, outbox
from trm.exchange.models import OutboxMessage, OutboxStatus
from trm.exchange.vectors import SAMPLE_BODIES
from trm.exchange.worker import Worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _threads_need_a_server_database() -> None:
    if connection.vendor == "sqlite":
        # SQLite's in-memory test database locks whole tables across threads ("database
        # table is locked"); tests/integration/test_exchange_recovery.py runs the worker
        # against SQLite files.
        pytest.skip("threads on the in-memory SQLite test database")


HUNG = "hu.nrm"  # accepts the connection and never answers
HUNG_SIG, HUNG_ENC = seeded("hu.sig", "sig"), seeded("hu.enc", "enc")


class Wire:
    """Routes each request to its peer: ``PEER`` answers, ``HUNG`` holds it until released."""

    def __init__(self, peer: PeerInbox) -> None:
        self.peer = peer
        self.release = threading.Event()
        self.hung_requests = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == f"{HUNG}.example":
            self.hung_requests += 1
            self.release.wait(30)
            raise httpx.ReadTimeout("timed out", request=request)
        return self.peer.handler(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


@pytest.fixture
def wire():
    from tests.exchange.shell_support import setup_network

    net = setup_network()
    now = timezone.now()
    doc = trust_list_doc(now, sequence=6)
    month_ago = now - timedelta(days=30)
    doc["nodes"].append(peer_entry(HUNG, "HU", [key_doc(HUNG_SIG, month_ago), key_doc(HUNG_ENC, month_ago)]))
    net = Net(now=now, trust_list=keys.import_trust_list(signed(doc), now=now))
    wire = Wire(PeerInbox(net))
    yield wire
    wire.release.set()


def enqueue(to: str) -> OutboxMessage:
    return outbox.enqueue(
        "case_notification",
        recipient=to,
        body=SAMPLE_BODIES["case_notification"],
        purpose="assistance",
        legal_basis="consent",
        consent_ref="CONSENT-2026-0042",
    )


def running(worker: Worker) -> threading.Thread:
    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until(what: str, check: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(to: str) -> list[str]:
    return list(OutboxMessage.objects.filter(recipient=to).order_by("id").values_list("status", flat=True))


def test_a_hung_peer_does_not_delay_the_others(wire: Wire) -> None:
    for _ in range(3):
        enqueue(HUNG)
    with wire.client() as client:
        worker = Worker(client=client, rng=random.Random(1), lanes=2, interval=0.05)
        thread = running(worker)
        try:
            wait_until("the hung peer's lane to be busy", lambda: wire.hung_requests == 1)
            healthy = [enqueue(PEER) for _ in range(5)]
            start = time.monotonic()
            wait_until("delivery to the healthy peer", lambda: statuses(PEER) == ["delivered"] * 5)
            assert time.monotonic() - start < 5
            assert wire.peer.stored == [str(m.message_id) for m in healthy]
            assert wire.hung_requests == 1  # still holding its one lane
        finally:
            worker.stop.set()
            wire.release.set()
            thread.join(30)
    assert not thread.is_alive()
    # The hung peer's attempt timed out: it backs off, its other messages were not tried.
    assert sorted(OutboxMessage.objects.filter(recipient=HUNG).values_list("attempts", flat=True)) == [0, 0, 1]


def test_a_working_lane_keeps_its_lease_and_a_stopped_worker_gives_back_the_rest(wire: Wire) -> None:
    rows = [enqueue(HUNG) for _ in range(3)]
    lease = timedelta(seconds=0.6)
    with wire.client() as client:
        worker = Worker(client=client, rng=random.Random(1), lanes=2, interval=0.05, lease=lease, heartbeat=0.1)
        thread = running(worker)
        try:
            wait_until("the lane to be busy", lambda: wire.hung_requests == 1)
            time.sleep(3 * lease.total_seconds())
            # Another worker finds nothing to take over: the lease was renewed all along.
            assert outbox.claim(10, now=timezone.now()) == []
            assert statuses(HUNG) == [OutboxStatus.SENDING] * 3
        finally:
            worker.stop.set()
            wire.release.set()
            thread.join(30)
    assert not thread.is_alive()
    # The message in hand was tried; the other two went back at once, untried, for the next worker.
    attempts = {r.pk: r.attempts for r in OutboxMessage.objects.all()}
    assert attempts == {rows[0].pk: 1, rows[1].pk: 0, rows[2].pk: 0}
    assert set(statuses(HUNG)) == {OutboxStatus.PENDING}


def test_a_killed_workers_claim_is_taken_over_within_one_lease(wire: Wire) -> None:
    rows = [enqueue(PEER) for _ in range(3)]
    # A worker claimed them and died (nobody renews its lease; a short one here, to keep the test short).
    lease = timedelta(seconds=1)
    dead = outbox.claim(10, now=timezone.now(), lease=lease)
    assert len(dead) == 3
    start = time.monotonic()
    with wire.client() as client:
        worker = Worker(client=client, rng=random.Random(1), lanes=2, interval=0.05)
        thread = running(worker)
        try:
            wait_until("the takeover", lambda: statuses(PEER) == ["delivered"] * 3)
            assert time.monotonic() - start >= lease.total_seconds() * 0.9  # not before the lease ran out
        finally:
            worker.stop.set()
            thread.join(30)
    assert time.monotonic() - start <= lease.total_seconds() + 3
    assert wire.peer.stored == [str(r.message_id) for r in rows]
