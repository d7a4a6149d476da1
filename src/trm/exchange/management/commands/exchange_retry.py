from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.exchange import inbox


class Command(BaseCommand):
    help = (
        "Run received messages whose processing failed or was set aside again (trm exchange retry "
        "--all | <message-id>). Each runs once and its retry is audited (actor: the node itself)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message_id", nargs="?", help="the id of one received message")
        parser.add_argument("--all", action="store_true", help="every message waiting for a retry")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["all"]) == bool(options["message_id"]):
            raise CommandError("give either --all or one message id")
        if options["all"]:
            ids = [str(m) for m in inbox.waiting_for_retry().values_list("message_id", flat=True)]
        else:
            try:
                ids = [str(uuid.UUID(options["message_id"]))]
            except ValueError:
                raise CommandError("not a message id") from None
        outcomes: dict[str, int] = {}
        for message_id in ids:
            status = inbox.retry(message_id)
            if status is not None:
                outcomes[status] = outcomes.get(status, 0) + 1
        if not options["all"] and not outcomes:
            raise CommandError("no received message with that id waits for a retry")
        done = sum(outcomes.values())
        detail = ", ".join(f"{status} {n}" for status, n in sorted(outcomes.items()))
        self.stdout.write(f"retried {done}" + (f" ({detail})" if detail else ""))
