from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import keys, reconciliation
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import format_time

HEADINGS = ("message id", "type", "created", "from", "to", "finding", "here", "there")
FINDINGS = {"only_here": "only here", "only_there": "only there", "mismatch": "mismatch"}


def moment(text: str) -> datetime:
    """A day (00:00 UTC) or a trm/1 timestamp."""
    for form in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise CommandError(f"not a day (2026-03-01) or a UTC time (2026-03-01T09:30:00Z): {text!r}")


class Command(BaseCommand):
    help = (
        "Compare the messages this node and a peer sent each other in a period with the peer's "
        "exchange summaries (trm/1 §5.21): print every message one side holds and the other does "
        "not, and every mismatch. Exit status 0: reconciled; 1: findings; 2: part of the period "
        "is covered by no summary of the peer (ask with --ask)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--peer", required=True, help="node id of the other node")
        parser.add_argument("--from", dest="start", required=True, type=moment, help="2026-03-01 or a UTC time")
        parser.add_argument("--to", dest="end", type=moment, help="end of the period, excluded (default: now)")
        parser.add_argument(
            "--ask",
            action="store_true",
            help="first send our summary of the period, asking the peer for its own (the workers deliver both)",
        )
        parser.add_argument("--wait", type=float, default=0.0, help="with --ask: seconds to wait for the answer")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        peer, start = options["peer"], options["start"]
        end = options["end"] or timezone.now()
        try:
            start, end = reconciliation.check_period(start, end, now=timezone.now())
            if options["ask"]:
                asked = reconciliation.request(peer, start, end)
                self.stderr.write(f"asked {peer} for its summary ({len(asked)} summary message(s) queued)")
                self._wait(asked, start, end, options["wait"])
            report = reconciliation.reconcile(peer, start, end, note="trm exchange reconcile")
        except ValidationError as err:
            raise CommandError(" ".join(err.messages), returncode=2) from None
        except (keys.NoTrustList, keys.NoKeys, ProtocolError) as err:
            raise CommandError(f"cannot ask {peer}: {getattr(err, 'code', type(err).__name__)}", returncode=2) from None
        self.stdout.write(self._json(report) if options["json"] else self._table(report))
        if report.findings:
            raise CommandError(f"{len(report.findings)} message(s) not reconciled with {peer}", returncode=1)
        if report.uncovered:
            raise CommandError(f"no summary of {peer} covers part of the period: ask with --ask", returncode=2)

    def _wait(self, asked: list[Any], start: datetime, end: datetime, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            left = [(start, end)]
            for answer in reconciliation.answers_to(asked):
                left = reconciliation.subtract(left, (answer.period_start, answer.period_end))
            if not left:
                return
            time.sleep(0.5)

    def _table(self, report: reconciliation.Report) -> str:
        lines = [f"Reconciliation with {report.peer}, {format_time(report.start)} to {format_time(report.end)}"]
        for part in report.parts:
            lines.append(
                f"compared {format_time(part.start)} to {format_time(part.end)} with {report.peer}'s summary "
                f"{part.summary.message_id} of {format_time(part.summary.created)}"
            )
        for a, b in report.uncovered:
            lines.append(f"not covered by any summary of {report.peer}: {format_time(a)} to {format_time(b)}")
        if report.findings:
            rows = [HEADINGS] + [
                (
                    d.message_id,
                    d.type,
                    format_time(d.created),
                    d.sender,
                    d.recipient,
                    FINDINGS[d.kind] + (f" ({d.detail})" if d.detail and d.detail != "status" else ""),
                    d.here or "-",
                    d.there or "-",
                )
                for d in report.findings
            ]
            widths = [max(len(row[i]) for row in rows) for i in range(len(HEADINGS))]
            lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        lines.append(f"{len(report.findings)} finding(s)" if report.parts or report.findings else "nothing compared")
        return "\n".join(lines)

    def _json(self, report: reconciliation.Report) -> str:
        return json.dumps(
            {
                "peer": report.peer,
                "period_start": format_time(report.start),
                "period_end": format_time(report.end),
                "reconciled": report.reconciled,
                "findings": [
                    {
                        "message_id": d.message_id,
                        "type": d.type,
                        "created": format_time(d.created),
                        "from": d.sender,
                        "to": d.recipient,
                        "kind": d.kind,
                        "here": d.here,
                        "there": d.there,
                        "detail": d.detail,
                    }
                    for d in report.findings
                ],
                "compared": [
                    {
                        "period_start": format_time(p.start),
                        "period_end": format_time(p.end),
                        "summary": str(p.summary.message_id),
                    }
                    for p in report.parts
                ],
                "uncovered": [
                    {"period_start": format_time(a), "period_end": format_time(b)} for a, b in report.uncovered
                ],
            },
            sort_keys=True,
        )
