"""The exchange worker's loop (``trm exchange worker``): deliver the outbox, process the inbox.

* **Lanes.** Deliveries run in a small pool of threads (``lanes``), at most
  ``lanes_per_peer`` lanes per peer at a time (``TRM_EXCHANGE_LANES_PER_PEER``, 4, and
  always one lane fewer than the pool, so that another peer finds one free). A peer's
  lanes hold different conversations (a message is due only once the earlier ones of its
  conversation left), so each conversation still arrives in order while the peer works on
  several at once over kept-alive connections. A peer that hangs or answers slowly holds
  its own lanes only: the loop goes on claiming for the others (``outbox.claim_per_peer``,
  longest-waiting peer first), and the HTTP time-outs and the peer's back-off free the
  lanes again; a peer that failed is probed in one lane. A lane delivers its batch in order
  and, once its peer fails, gives the rest back without trying them. The inbox is
  processed in a lane of its own, so a slow handler delays no delivery.
* **Short leases, renewed.** A claim is leased for ``outbox.LEASE`` (10 s) and the loop
  renews the leases of the claims its lanes hold every ``HEARTBEAT`` (a third of it). A worker killed
  mid-batch stops renewing, and any worker (or its own restart) takes the batch over
  within one lease; the rest of the queue was never held. A lane that holds a claim longer
  than ``MAX_HOLD`` (wedged) is no longer renewed, so its rows are not held forever.
* **Stopping.** On SIGTERM/SIGINT the loop stops claiming; each lane finishes the message
  in hand and gives the rest of its batch back, due at once, for the next worker.

``run_once`` does one pass in the calling thread (``--once``, tests); everything else is
the same code: ``outbox.deliver_batch`` and ``inbox.process_received``.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.utils import timezone

from trm.exchange import chores, inbox, outbox

logger = logging.getLogger("trm.exchange.worker")

LANES = 8
HEARTBEAT = outbox.LEASE.total_seconds() / 3  # seconds between two renewals of the leases held
MAX_HOLD = 600.0  # seconds after which a lane's claim is no longer renewed


def refresh_connection() -> None:
    """Keep this thread's connection within CONN_MAX_AGE and replace a broken one.

    Never inside a transaction, which only happens when a test calls the worker.
    """
    if not connection.in_atomic_block:
        close_old_connections()


class _Pool:
    """A fixed set of threads running jobs; each closes its own database connection when it ends."""

    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"trm-exchange-lane-{n}", daemon=True) for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((future, job))
        return future

    def _work(self) -> None:
        try:
            while (item := self._jobs.get()) is not None:
                future, job = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    refresh_connection()
                    future.set_result(job())
                except BaseException as err:  # handed to the loop, which logs it
                    future.set_exception(err)
        finally:
            connections.close_all()

    def shutdown(self, timeout: float = 60.0) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))


@dataclass
class _Claim:
    peer: str
    token: uuid.UUID
    since: float  # monotonic


@dataclass
class Worker:
    client: httpx.Client
    rng: random.Random
    batch: int = 20
    lanes: int = LANES
    lanes_per_peer: int = field(default_factory=lambda: int(settings.TRM_EXCHANGE_LANES_PER_PEER))
    interval: float = 1.0
    pacing: outbox.Pacing = field(default_factory=outbox.Pacing)
    lease: timedelta = outbox.LEASE
    heartbeat: float = HEARTBEAT
    max_hold: float = MAX_HOLD
    stop: threading.Event = field(default_factory=threading.Event)
    delivered: int = 0
    processed: int = 0

    # --- one pass in this thread ---------------------------------------------------------

    def run_once(self) -> None:
        """Pass over what is due until nothing moves (``--once``); raises what fails."""
        while not self.stop.is_set():
            chores.run_due(timezone.now())  # first, so that what a chore queues leaves in this pass
            outcomes = outbox.deliver_due(client=self.client, rng=self.rng, batch=self.batch, pacing=self.pacing)
            processed = inbox.process_received(batch=self.batch)
            self._count(outcomes, processed)
            # A peer found down is due again within a second: that is no progress.
            if not processed and all(o.peer_down for o in outcomes):
                break

    # --- the loop ----------------------------------------------------------------------

    def run(self) -> None:
        """Loop until ``stop`` is set; lanes deliver and process while the loop claims and renews."""
        pool = _Pool(self.lanes + 1)
        lanes: dict[Future[Any], _Claim] = {}
        inbox_lane: Future[Any] | None = None
        inbox_due = 0.0
        renewed = time.monotonic()
        try:
            while not self.stop.is_set():
                refresh_connection()
                try:
                    chores.run_due(timezone.now())
                    if time.monotonic() - renewed >= self.heartbeat:
                        self._renew(lanes.values())
                        renewed = time.monotonic()
                    while len(lanes) < self.lanes:
                        claims = outbox.claim_per_peer(
                            self.batch,
                            now=timezone.now(),
                            peers=self.lanes - len(lanes),
                            held=Counter(c.peer for c in lanes.values()),
                            per_peer=self._per_peer(),
                            lease=self.lease,
                        )
                        for rows in claims:
                            token = rows[0].claim_token
                            assert token is not None  # a claimed row
                            lanes[pool.submit(self._lane(rows))] = _Claim(rows[0].recipient, token, time.monotonic())
                        if not claims:
                            break
                except Exception as err:  # a database outage must not end the worker
                    logger.error("worker pass failed: %s at %s", type(err).__name__, inbox.where(err))
                if inbox_lane is None and time.monotonic() >= inbox_due:
                    inbox_lane = pool.submit(lambda: inbox.process_received(batch=self.batch))
                running = [*lanes, *([inbox_lane] if inbox_lane is not None else [])]
                waits = [self.interval, self.heartbeat - (time.monotonic() - renewed)]
                if inbox_lane is None:
                    waits.append(inbox_due - time.monotonic())
                timeout = max(0.05, min(waits))
                done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED) if running else (set(), set())
                if not running:
                    self.stop.wait(timeout)
                for future in done:
                    if future is inbox_lane:
                        processed = self._result(future, 0)
                        self.processed += processed
                        inbox_lane = None
                        inbox_due = time.monotonic() + (0 if processed else self.interval)
                    else:
                        lanes.pop(future)
                        self._count(self._result(future, []), 0)
            # Stopping: each lane finishes its message in hand and gives the rest back.
            for future in wait([*lanes, *([inbox_lane] if inbox_lane is not None else [])]).done:
                if future in lanes:
                    self._count(self._result(future, []), 0)
        finally:
            pool.shutdown()

    def _per_peer(self) -> int:
        # One lane fewer than the pool: a peer with a long queue never takes every lane.
        return max(1, min(self.lanes_per_peer, self.lanes - 1))

    def _lane(self, rows: list[Any]) -> Callable[[], list[outbox.Outcome]]:
        def deliver() -> list[outbox.Outcome]:
            return outbox.deliver_batch(
                rows, client=self.client, rng=self.rng, pacing=self.pacing, stop=self.stop.is_set, lease=self.lease
            )

        return deliver

    def _renew(self, claims: Any) -> None:
        fresh = [c.token for c in claims if time.monotonic() - c.since < self.max_hold]
        outbox.renew(fresh, now=timezone.now(), lease=self.lease)

    def _result(self, future: Future[Any], default: Any) -> Any:
        err = future.exception()
        if err is None:
            return future.result()
        # The lane's rows stay claimed until their lease runs out, then leave again.
        logger.error("worker lane failed: %s at %s", type(err).__name__, inbox.where(err))
        return default

    def _count(self, outcomes: list[outbox.Outcome], processed: int) -> None:
        self.delivered += sum(1 for o in outcomes if o.status == "delivered")
        self.processed += processed
