from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trm.lib.fieldcrypto import generate_key_spec


class Command(BaseCommand):
    help = "Print a new random field key as 'kid:base64' for TRM_FIELD_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kid", default="k1", help="key id (letters and digits)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_key_spec(options["kid"]))
