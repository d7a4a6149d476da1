"""Migration 0004 fills ``InboxMessage.created`` of the messages received before it from their envelopes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("exchange", "0004_inboxmessage_created")]
AFTER = [("exchange", "0005_inboxmessage_created_fill")]


@pytest.mark.django_db(transaction=True)
def test_it_fills_created_from_each_envelope() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("exchange", "InboxMessage")
    now = datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC)
    row = old.objects.create(
        message_id=uuid.uuid4(),
        sender="xk.nrm",
        sender_kid="k",
        type="case_notification",
        conversation=uuid.uuid4(),
        expires=now,
        envelope={"created": "2026-03-02T09:59:58Z", "body": {}},
        token_sha256="0" * 64,
        receipt="r",
        received_at=now,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("exchange", "InboxMessage")
    assert new.objects.get(pk=row.pk).created == datetime(2026, 3, 2, 9, 59, 58, tzinfo=UTC)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
