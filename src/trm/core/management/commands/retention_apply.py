from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from trm.core import retention


class Command(BaseCommand):
    help = (
        "Anonymise or delete the cases closed longer ago than the retention period of this node's "
        "jurisdiction ([retention] in cases/jurisdictions/*.toml). Open cases are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count the cases due, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention.apply(dry_run=options["dry_run"])
        when = report.closed_before.date().isoformat()
        rule = f"{report.action} after {report.years} years ({settings.TRM_COUNTRY} rules)"
        if options["dry_run"]:
            self.stdout.write(f"dry run: {report.due} closed case(s) closed before {when} are due: {rule}")
            return
        self.stdout.write(
            f"{rule}: anonymised {report.anonymised}, deleted {report.deleted}, "
            f"kept {report.skipped} that other rows still need"
        )
