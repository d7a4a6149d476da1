from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.audit import anchors
from trm.audit.events import Action
from trm.audit.record import record


class Command(BaseCommand):
    help = (
        "On a witness node: write every audit head received from NODE as JSON, for that node's "
        "operators to check with `trm audit verify --heads FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--node", required=True, help="the node id whose heads to export")
        parser.add_argument("--output", metavar="FILE", type=Path, help="write to FILE instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        node = options["node"]
        document = anchors.export_heads(node, now=timezone.now())
        if not document["heads"]:
            raise CommandError(f"no audit head was received from {node}")
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
        record(
            None,
            Action.EXPORT,
            object_type="audit.witnessedhead",
            object_ref=node,
            note=f"{len(document['heads'])} audit heads exported",
        )
        if options["output"] is None:
            self.stdout.write(text, ending="")
            return
        options["output"].write_text(text, encoding="utf-8")
        self.stderr.write(f"{len(document['heads'])} head(s) of {node} written to {options['output']}")
