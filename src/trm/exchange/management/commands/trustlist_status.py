from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import refresh
from trm.exchange.messages import format_time


def _when(moment: datetime | None) -> str:
    return format_time(moment.replace(microsecond=0)) if moment is not None else "never"


def _span(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


class Command(BaseCommand):
    help = (
        "Show the trust list's sequence, age, expiry, where it is fetched from and the last fetch "
        "error. --check exits with status 1 when the list is stale or fetches fail (for monitoring)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the status as JSON")
        parser.add_argument("--check", action="store_true", help="exit with status 1 when there is a warning")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        health = refresh.health(now=now)
        if options["json"]:
            self.stdout.write(json.dumps(health.as_dict(), sort_keys=True))
        else:
            self._print(health)
        if options["check"] and health.problems:
            raise CommandError(f"trust list: {', '.join(health.problems)}")

    def _print(self, health: refresh.Health) -> None:
        write = self.stdout.write
        if health.sequence is None:
            write("sequence:     none (no trust list held)")
        else:
            write(f"sequence:     {health.sequence} ({health.network})")
        if health.issued is not None and health.age is not None:
            write(f"issued:       {_when(health.issued)} (age {_span(health.age)})")
        if health.next_update is not None:
            write(f"next update:  {_when(health.next_update)}")
        if health.expires is not None:
            left = health.expires - health.now
            write(
                f"expires:      {_when(health.expires)} ({'in ' + _span(left) if left > timedelta(0) else 'EXPIRED'})"
            )
        write(f"applied:      {_when(health.applied_at)}")
        write(f"fetched:      {_when(health.fetched_at)} (last success)")
        write(f"last attempt: {_when(health.attempted_at)}")
        write(f"source:       {health.url or '(none: TRM_TRUST_LIST_URL is not set)'}")
        if health.last_error:
            write(f"last error:   {health.last_error} ({health.failures} failed in a row)")
        else:
            write("last error:   none")
        write(f"status:       {'WARNING: ' + ', '.join(health.problems) if health.problems else 'ok'}")
