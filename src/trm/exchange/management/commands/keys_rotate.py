from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import keys


class Command(BaseCommand):
    help = (
        "Add a new trm/1 key pair; the current keys stay valid for the overlap (trm keys rotate). "
        "Then send `trm keys export` to the network authority."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overlap-days",
            type=int,
            default=keys.DEFAULT_OVERLAP.days,
            help="how long the current keys stay valid (default: %(default)s days)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["overlap_days"] < 1:
            raise CommandError("--overlap-days must be at least 1.")
        created = keys.rotate(now=timezone.now(), overlap=timedelta(days=options["overlap_days"]))
        for row in created:
            self.stdout.write(f"generated {row.use} key {row.kid}")
        self.stdout.write("Send `trm keys export` to the network authority; the old keys stay valid meanwhile.")
