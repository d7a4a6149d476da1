from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.audit import anchors
from trm.audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and the heads published to the witness; exits non-zero if a "
        "row was edited or deleted, or if the chain was rewritten after a head was published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--heads",
            metavar="FILE",
            type=Path,
            help="also check the heads exported by the witness (trm audit export-heads --node <this node>)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        heads: list[anchors.Head] = []
        if options["heads"] is not None:
            try:
                text = options["heads"].read_text(encoding="utf-8")
            except OSError as err:
                raise CommandError(f"cannot read the heads file: {err.strerror}") from None
            try:
                heads = anchors.load_heads(text, node=settings.TRM_NODE_ID)
            except anchors.HeadsFileError as err:
                raise CommandError(str(err)) from None
        report = verify_chain(heads=heads)
        if not report.ok:
            for problem in report.problems[:100]:
                self.stderr.write(str(problem))
            rewritten = sum(1 for p in report.problems if p.kind.endswith("_after_publishing"))
            if rewritten:
                self.stderr.write(
                    f"{rewritten} published head(s) contradicted: the chain was rewritten after the head was "
                    "sent to the witness."
                )
            raise CommandError(f"audit chain broken: {len(report.problems)} problem(s)")
        self.stdout.write(
            f"audit chain OK: {report.entries} entries, head {report.head_hash}, "
            f"{report.heads_checked} published head(s) match"
        )
