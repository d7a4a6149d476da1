from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trm.audit.verification import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero if a row was edited or deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            for problem in report.problems[:100]:
                self.stderr.write(str(problem))
            raise CommandError(f"audit chain broken: {len(report.problems)} problem(s)")
        self.stdout.write(f"audit chain OK: {report.entries} entries, head {report.head_hash}")
