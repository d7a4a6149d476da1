from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.audit import record
from trm.audit.events import Action
from trm.core import backup


class Command(BaseCommand):
    help = (
        "Write an encrypted backup of the whole database to FILE (AES-256-GCM with TRM_BACKUP_KEY "
        "or TRM_BACKUP_PASSPHRASE). Field-encrypted values stay encrypted: keep TRM_FIELD_KEYS too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="the file to write (refused if it exists)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} exists already; choose a new file name.")
        try:
            secret = backup.secret_from_env()
            # Audited first, so that the backup holds the entry that records it.
            record.record(None, Action.EXPORT, object_type="core.backup", note="backup")
            data, summary = backup.write_backup(secret=secret)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        # Owner-only from the first byte: the file holds every case, encrypted or not.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        header = summary.header
        self.stdout.write(
            f"wrote {out}: {summary.rows} rows, node {header['node_id']}, "
            f"field keys {', '.join(header['field_key_ids']) or '(none)'}"
        )
