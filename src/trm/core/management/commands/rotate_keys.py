from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from trm.audit import record
from trm.audit.events import Action
from trm.core.keyrotation import rotate
from trm.lib.encrypted import cipher


class Command(BaseCommand):
    help = (
        "Re-encrypt all encrypted fields under the primary key (the first in TRM_FIELD_KEYS). "
        "Keep the old key configured until this has finished, then remove it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate()
        record.record(
            None,
            Action.UPDATE,
            object_type="core.fieldkeys",
            object_ref=cipher().primary,
            note=f"rotated {report.rows_rewritten} rows",
        )
        self.stdout.write(
            f"checked {report.rows_checked} rows, re-encrypted {report.rows_rewritten} under key {cipher().primary}"
        )
