"""Claims: cheap with a long queue, and the end of a queue shared among the lanes.

A claim stays cheap with a long queue: "does an earlier message of this conversation wait?"
is answered from the partial index of unfinished messages, whatever the statistics say.

Without that index PostgreSQL, on a queue it has not analysed yet (a burst just queued),
intersected each row's conversation with every unfinished row: 110 ms a claim at 2,000
queued messages, which held delivery to 70 messages a second.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from trm.exchange import outbox
from trm.exchange.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def _queue(n: int) -> None:
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            message_id=uuid.uuid4(),
            recipient="bg-nrm",
            type="case_notification",
            conversation=uuid.uuid4(),
            envelope={},
            token="sealed",
            expires=now + timedelta(days=3),
            next_attempt_at=now - timedelta(seconds=1),
        )
        for _ in range(n)
    )


def _plan(query: str, params: tuple[object, ...]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query}", params)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner is the one that went quadratic")
def test_a_claim_asks_about_earlier_messages_through_the_index_of_unfinished_ones() -> None:
    _queue(500)
    due = (
        OutboxMessage.objects.filter(outbox._due(timezone.now()))
        .filter(recipient="bg-nrm")
        .order_by("next_attempt_at", "id")
    )
    with transaction.atomic():
        due = due.select_for_update(skip_locked=True)
        sql, params = due.values_list("id", flat=True)[:20].query.sql_with_params()
        plan = _plan(sql, params)
    assert "exchange_outbox_unfinished" in plan, plan


def test_the_index_holds_only_what_is_unfinished() -> None:
    _queue(3)
    first = OutboxMessage.objects.order_by("id").first()
    assert first is not None
    OutboxMessage.objects.filter(id=first.id).update(status=OutboxStatus.DELIVERED)
    # The claim still takes the two messages left, and nothing delivered.
    claimed = outbox.claim(20, now=timezone.now(), recipient="bg-nrm")
    assert first.id not in {row.id for row in claimed} and len(claimed) == 2


def test_the_end_of_a_queue_is_shared_among_the_peers_lanes() -> None:
    _queue(10)
    # Four lanes for the peer, ten messages due: each claim takes its share (3), not a whole batch
    # of 20 that would leave three lanes idle while one delivers everything.
    first = outbox.claim_per_peer(20, now=timezone.now(), peers=1, per_peer=4)
    assert [len(rows) for rows in first] == [3]
    second = outbox.claim_per_peer(20, now=timezone.now(), peers=1, per_peer=4, held={"bg-nrm": 1})
    assert [len(rows) for rows in second] == [2]  # 7 due: ceil(7 / 4)
    # A long queue still leaves in whole batches.
    _queue(200)
    assert [len(rows) for rows in outbox.claim_per_peer(20, now=timezone.now(), peers=1, per_peer=4)] == [20]
