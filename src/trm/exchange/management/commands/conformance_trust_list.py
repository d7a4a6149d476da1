from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import conformance
from trm.exchange.errors import ProtocolError


class Command(BaseCommand):
    help = (
        "Write a trust list (signed with the PUBLIC test-vector authority key) naming the node under "
        "test and the conformance peers, and that authority's public JWK. For test deployments only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entry", help="the node's trust-list entry (JSON, as `trm keys export` prints it)")
        parser.add_argument("--out", required=True, help="file for the signed trust list")
        parser.add_argument("--authority-out", required=True, help="file for the authority's public JWK")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entry = json.loads(Path(options["entry"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise CommandError("cannot read that entry (JSON)") from None
        if not isinstance(entry, dict):
            raise CommandError("the entry must be a JSON object")
        try:
            token = conformance.signed_trust_list(entry, now=timezone.now())
        except ProtocolError as err:
            raise CommandError(f"that entry does not make a valid trust list ({err.code}): {err.detail}") from None
        except ValueError as err:
            raise CommandError(str(err)) from None
        Path(options["out"]).write_text(token + "\n", encoding="ascii")
        Path(options["authority_out"]).write_text(json.dumps(conformance.authority_jwk(), indent=2) + "\n")
        self.stdout.write(
            f"wrote {options['out']} and {options['authority_out']}; on the node under test (never in "
            f"production): trm trustlist import {options['out']} --authority {options['authority_out']}"
        )
