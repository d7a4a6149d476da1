from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import jose
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import VERSION, format_time
from trm.exchange.trustlist import sign_trust_list


class Command(BaseCommand):
    help = (
        "Network authority: sign a trust list. NODES is a JSON list of node entries (each the "
        "output of `trm keys export`, plus any revocations), or an object with a `nodes` list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--authority-key", required=True, help="file with the authority's private JWK")
        parser.add_argument("--nodes", required=True, help="JSON file of node entries")
        parser.add_argument("--sequence", type=int, required=True, help="higher than every list published before")
        parser.add_argument("--network", default="TRM network")
        parser.add_argument("--next-update-days", type=int, default=7)
        parser.add_argument("--valid-days", type=int, default=14)
        parser.add_argument("--out", required=True, help="file for the signed trust list")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["next_update_days"] <= options["valid_days"]:
            raise CommandError("need 1 <= --next-update-days <= --valid-days")
        try:
            key = jose.private_key_from_json(Path(options["authority_key"]).read_text(encoding="utf-8"), "sig")
            nodes = json.loads(Path(options["nodes"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, jose.JoseFailure) as err:
            raise CommandError(f"cannot read the inputs: {type(err).__name__}") from None
        if isinstance(nodes, dict):
            nodes = nodes.get("nodes")
        now = timezone.now().replace(microsecond=0)
        doc = {
            "v": VERSION,
            "type": "trust_list",
            "network": options["network"],
            "sequence": options["sequence"],
            "issued": format_time(now),
            "next_update": format_time(now + timedelta(days=options["next_update_days"])),
            "expires": format_time(now + timedelta(days=options["valid_days"])),
            "nodes": nodes,
        }
        try:
            token = sign_trust_list(doc, authority_key=key, now=now)
        except ProtocolError as err:
            raise CommandError(f"refused: {err}") from None
        Path(options["out"]).write_text(token + "\n", encoding="ascii")
        self.stdout.write(f"signed trust list {options['sequence']} with {len(nodes)} nodes")
