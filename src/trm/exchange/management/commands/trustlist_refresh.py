from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import refresh


class Command(BaseCommand):
    help = (
        "Fetch the signed trust list from its published address (TRM_TRUST_LIST_URL, or --url) "
        "and apply it if it is newer than the one held. The exchange worker does this on a schedule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=None, help="fetch from this address instead of TRM_TRUST_LIST_URL")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = refresh.refresh(now=timezone.now(), url=options["url"])
        except refresh.NotConfigured:
            raise CommandError("no published address: set TRM_TRUST_LIST_URL or pass --url") from None
        if outcome.result == refresh.APPLIED:
            was = outcome.previous if outcome.previous is not None else "none"
            summary = outcome.changes.summary()
            self.stdout.write(
                f"applied trust list {outcome.sequence} (was {was})" + (f": {summary}" if summary else "")
            )
        elif outcome.result == refresh.UNCHANGED:
            self.stdout.write(f"unchanged: trust list {outcome.sequence} is the newest")
        elif outcome.result == refresh.REFUSED:
            raise CommandError(f"refused ({outcome.code}): {outcome.detail}; still holding {outcome.sequence}")
        else:
            raise CommandError(f"fetch failed ({outcome.code}); still holding {outcome.sequence}")
