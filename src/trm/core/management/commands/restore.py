from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.audit import record
from trm.audit.events import Action
from trm.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `trm backup` into this database, in one transaction, then verify "
        "the audit chain. Refuses a database in use unless --force, and a file that fails its integrity check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file")
        parser.add_argument("--force", action="store_true", help="replace the content of a database in use")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError:
            raise CommandError(f"{path} cannot be read.") from None
        try:
            result = backup.restore(data, secret=backup.secret_from_env(), force=options["force"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        header = result.header
        self.stdout.write(
            f"restored {result.rows} rows from the backup of node {header.get('node_id')} "
            f"made at {header.get('created_at')}"
        )
        if not result.chain.ok:
            for problem in result.chain.problems[:100]:
                self.stderr.write(f"audit chain: {problem}")
            raise CommandError(f"The restored audit chain does NOT verify ({len(result.chain.problems)} problems).")
        self.stdout.write(f"audit chain verified: {result.chain.entries} entries, head {result.chain.head_hash[:16]}")
        # Appended after the check, so the chain goes on from the restored head.
        record.record(None, Action.ADMIN, object_type="core.backup", note="restored")
