from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from trm.exchange.models import InboxMessage, OutboxMessage


class Command(BaseCommand):
    help = "Counts of outgoing and received trm/1 messages by status, as JSON (ids only with --message)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--message", default=None, help="a message id: show where it is")

    def handle(self, *args: Any, **options: Any) -> None:
        report: dict[str, Any] = {
            "outbox": dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by()),
            "inbox": dict(InboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by()),
        }
        if options["message"]:
            mid = options["message"]
            report["message"] = {
                "inbox_rows": InboxMessage.objects.filter(message_id=mid).count(),
                "outbox": list(OutboxMessage.objects.filter(message_id=mid).values("status", "attempts", "last_error")),
            }
        self.stdout.write(json.dumps(report, sort_keys=True))
