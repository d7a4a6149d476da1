from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import conformance, transport
from trm.exchange.errors import ProtocolError


class Command(BaseCommand):
    help = (
        "Play the trm/1 conformance suite against a node's inbox (a test deployment that imported "
        "a `trm conformance trust-list`) and print a pass/fail table; exit 1 on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inbox_url", help="the node's inbox, e.g. https://node.example/trm/1/inbox")
        parser.add_argument("--trust-list", required=True, help="the conformance trust list the node imported")
        parser.add_argument("--node-id", default=None, help="the node under test (default: the list's only node)")
        parser.add_argument("--case", action="append", default=[], help="run only this case (repeatable)")
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = Path(options["trust_list"]).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise CommandError("cannot read that trust-list file") from None
        try:
            trust_list = conformance.load(token, now=timezone.now())
            node_id = options["node_id"] or conformance.node_under_test(trust_list)
            trust_list.encryption_key(node_id, timezone.now())
        except ProtocolError as err:
            raise CommandError(f"not a current conformance trust list ({err.code})") from None
        except ValueError as err:
            raise CommandError(str(err)) from None
        url = options["inbox_url"]
        with transport.make_client(timeout=httpx.Timeout(options["timeout"])) as client:
            results = conformance.run(
                client=client, url=url, trust_list=trust_list, node_id=node_id, only=options["case"]
            )
        self.stdout.write(conformance.table(results, url=url, node_id=node_id), ending="")
        if not results or not all(result.passed for result in results):
            raise CommandError("the node does not conform to trm/1 (see the table)", returncode=1)
