"""Real nodes on 127.0.0.1 recover by themselves, and lose or duplicate nothing while they do.

* A hung peer (accepts, never answers) delays no delivery to a healthy one; a receiver
  stopped for a few seconds gets its queue within seconds of its return.
* A burst of 500 referrals while the sender's worker and the whole receiver (web server
  and worker) are SIGKILLed together, again and again (some kills inside the window where
  the receiver has committed a message but not yet answered): every referral arrives
  exactly once, is applied once, and the sender holds a receipt for it that verifies.

The nodes run on SQLite files, or on PostgreSQL databases of their own when DATABASE_URL
names a PostgreSQL server (the CI's second run). Every wait is bounded; every process is
killed at the end.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.localnet import LocalNet
from trm.exchange import protocol
from trm.exchange.trustlist import load_trust_list

pytestmark = pytest.mark.integration
log = logging.getLogger(__name__)

SENDER, RECEIVER, HUNG = "se-nrm", "bg-nrm", "md-nrm"
BURST = 500
ROUNDS = 6
WINDOW_ROUNDS = (1, 4)  # rounds in which the receiver is killed inside its commit window

ENQUEUE = """
import json
from trm.exchange import outbox
from trm.exchange.vectors import SAMPLE_BODIES
ids = [
    str(outbox.enqueue("{type}", recipient="{to}", body=SAMPLE_BODIES["{type}"], purpose="assistance",
                       legal_basis="consent", consent_ref="CONSENT-2026-0042").message_id)
    for _ in range({n})
]
print(json.dumps(ids))
"""
SENT = """
import json
from trm.exchange.models import OutboxMessage
print(json.dumps([
    [str(m), str(c), s, t, r, n]
    for m, c, s, t, r, n in OutboxMessage.objects.values_list(
        "message_id", "conversation", "status", "token", "receipt", "recipient")
]))
"""
RECEIVED = """
import json
from trm.audit.models import AuditEvent
from trm.exchange.models import InboxMessage
from trm.transnational.models import Link
print(json.dumps({
    "inbox": [[s, str(m), st, str(c)] for s, m, st, c in
              InboxMessage.objects.values_list("sender", "message_id", "status", "conversation")],
    "links": [[str(c), st] for c, st in Link.objects.values_list("conversation", "status")],
    "applied": list(
        AuditEvent.objects.filter(action="receive", note="referral offer").values_list("object_ref", flat=True)
    ),
}))
"""


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    network = LocalNet(tmp_path_factory.mktemp("recovery"), {SENDER: "SE", RECEIVER: "BG"}, hung={HUNG: "MD"})
    try:
        network.prepare()
        yield network
    finally:
        network.close()


def counts(net: LocalNet) -> Counter[str]:
    return Counter(net.outbox_counts(SENDER))


def wait_for(what: str, check, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def enqueue(net: LocalNet, to: str, n: int, type_: str = "case_notification") -> list[str]:
    return net.python(SENDER, ENQUEUE.format(type=type_, to=to, n=n))


def test_a_hung_peer_delays_no_other_and_a_returning_peer_gets_its_queue_in_seconds(net: LocalNet) -> None:
    base = counts(net)[f"{RECEIVER} delivered"]
    net.start(RECEIVER)
    net.start_worker(SENDER)
    try:
        # A hung peer holds one lane; the healthy one is served beside it.
        enqueue(net, HUNG, 5)
        wait_for("the hung peer's lane", lambda: counts(net)[f"{HUNG} sending"] > 0, 30)
        enqueue(net, RECEIVER, 20)
        took = wait_for("delivery beside a hung peer", lambda: counts(net)[f"{RECEIVER} delivered"] == base + 20, 30)
        assert took < 10, f"the healthy peer waited {took:.1f} s"
        # The receiver stops for a few seconds in the middle of a burst, then returns.
        net.kill(RECEIVER)
        enqueue(net, RECEIVER, 30)
        time.sleep(4)
        net.start(RECEIVER)
        back = wait_for(
            "the queue after the receiver's return", lambda: counts(net)[f"{RECEIVER} delivered"] == base + 50, 60
        )
        log.info("healthy peer beside a hung one: %.1f s; queue after a 4 s outage: %.1f s", took, back)
        assert back < 10, f"recovery took {back:.1f} s"
        assert counts(net)[f"{HUNG} delivered"] == 0
    finally:
        net.kill_worker(SENDER)
        net.kill(RECEIVER)


def test_every_referral_arrives_once_while_sender_worker_and_receiver_are_killed_together(net: LocalNet) -> None:
    seed = int(os.environ.get("TRM_CRASH_SEED", str(random.randrange(1_000_000))))
    rng = random.Random(seed)
    before = {r[0] for r in net.python(SENDER, SENT)}
    base = counts(net)[f"{RECEIVER} delivered"]
    net.start_worker(SENDER)
    net.start_worker(RECEIVER)
    net.start(RECEIVER)
    burst = net.spawn_python(SENDER, ENQUEUE.format(type="referral_offer", to=RECEIVER, n=BURST))
    kills = 0

    def stored() -> int:
        return int(net.sql(RECEIVER, "SELECT COUNT(*) FROM exchange_inboxmessage")[0][0])

    try:
        for round_ in range(ROUNDS):
            # Kill at a random point once deliveries flow again (the receiver stores messages).
            # In the commit-window rounds the receiver waits 2 s after committing each message
            # before it answers: a kill then leaves a message stored but not acknowledged.
            window = round_ in WINDOW_ROUNDS
            seen = stored()
            if seen >= base + BURST - 10:
                break  # a fast machine: the burst is (almost) all across
            wait_for("deliveries to flow", lambda seen=seen: stored() > seen, 60)
            time.sleep(rng.uniform(0.1, 0.8 if window else 1.5))
            net.kill_worker(SENDER)
            net.kill(RECEIVER)
            net.kill_worker(RECEIVER)
            kills += 1
            log.info(
                "kill %d%s: %d of %d delivered",
                kills,
                " (commit window)" if window else "",
                counts(net)[f"{RECEIVER} delivered"] - base,
                BURST,
            )
            net.start_worker(SENDER)
            net.start_worker(RECEIVER)
            pause = {"TRM_EXCHANGE_PAUSE_AFTER_STORE": "2"} if round_ + 1 in WINDOW_ROUNDS else {}
            net.start(RECEIVER, **pause)
        _out, err = burst.communicate(timeout=120)
        assert burst.returncode == 0, err.decode()[-2000:]

        # No more kills: everything settles by itself.
        def settled() -> bool:
            c = counts(net)
            return (
                c[f"{RECEIVER} delivered"] == base + BURST and not c[f"{RECEIVER} pending"] + c[f"{RECEIVER} sending"]
            )

        log.info("settled in %.1f s", wait_for("every referral to be delivered", settled, 120))

        def applied() -> bool:
            return net.sql(RECEIVER, "SELECT DISTINCT status FROM exchange_inboxmessage") == [("processed",)]

        wait_for("every referral to be applied", applied, 60)
    finally:
        net.kill_worker(SENDER)
        net.kill_worker(RECEIVER)
        net.kill(RECEIVER)
        if burst.poll() is None:
            burst.kill()

    referrals = [r for r in net.python(SENDER, SENT) if r[0] not in before]
    assert len(referrals) == BURST and kills >= 3, f"seed {seed}"
    received = net.python(RECEIVER, RECEIVED)
    inbox = {(sender, mid): (status, conv) for sender, mid, status, conv in received["inbox"]}
    links = Counter(conv for conv, _status in received["links"])
    applied_once = Counter(received["applied"])
    now = datetime.now(UTC)
    trust_list = load_trust_list(net.token, authority_public_key=net.authority, now=now)
    for mid, conversation, status, token, receipt, _to in referrals:
        assert status == "delivered", f"{mid}: {status} (seed {seed})"
        checked = protocol.verify_receipt(
            receipt, sent_token=token, receiver=RECEIVER, trust_list=trust_list, now=now, message_id=mid
        )
        assert checked.status in ("accepted", "duplicate")
        assert inbox[(SENDER, mid)] == ("processed", conversation)  # stored once (the key is unique) and applied
        assert links[conversation] == 1, f"{mid}: {links[conversation]} links (seed {seed})"
        assert applied_once[conversation] == 1, f"{mid}: applied {applied_once[conversation]} times (seed {seed})"
    assert len(inbox) == base + BURST  # nothing else arrived
