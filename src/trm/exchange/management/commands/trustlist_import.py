from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import keys
from trm.exchange.errors import ProtocolError


class Command(BaseCommand):
    help = "Verify a signed trust list with the pinned authority key and make it current."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--authority", default=None, help="pin this public JWK file first (refused if another key is pinned)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = Path(options["file"]).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise CommandError("cannot read that trust-list file") from None
        if options["authority"]:
            call_command("trustlist_pin_authority", options["authority"], stdout=self.stdout)
        try:
            trust_list = keys.import_trust_list(token, now=timezone.now())
        except ProtocolError as err:
            raise CommandError(f"refused ({err.code}): {err.detail}") from None
        except ValueError as err:
            raise CommandError(str(err)) from None
        self.stdout.write(f"imported trust list {trust_list.sequence} ({len(trust_list.nodes)} nodes)")
