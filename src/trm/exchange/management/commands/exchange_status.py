from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from trm.exchange.models import InboxMessage, InboxStatus, OutboxMessage, OutboxPeer


class Command(BaseCommand):
    help = (
        "Counts of outgoing and received trm/1 messages by status, received messages deferred after a "
        "passing database error, and peers in back-off, as JSON (ids only with --message)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--message", default=None, help="a message id: show where it is")

    def handle(self, *args: Any, **options: Any) -> None:
        report: dict[str, Any] = {
            "outbox": dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by()),
            "inbox": dict(InboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by()),
            "inbox_deferred": InboxMessage.objects.filter(status=InboxStatus.RECEIVED, attempts__gt=0).count(),
            "peers_failing": {
                peer.node_id: {
                    "failures": peer.failures,
                    "last_error": peer.last_error,
                    "retry_at": peer.retry_at.isoformat() if peer.retry_at else None,
                }
                for peer in OutboxPeer.objects.filter(failures__gt=0)
            },
        }
        if options["message"]:
            mid = options["message"]
            report["message"] = {
                "inbox_rows": InboxMessage.objects.filter(message_id=mid).count(),
                "outbox": list(OutboxMessage.objects.filter(message_id=mid).values("status", "attempts", "last_error")),
            }
        self.stdout.write(json.dumps(report, sort_keys=True))
