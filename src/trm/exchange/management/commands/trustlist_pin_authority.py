from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.exchange import jose, keys


class Command(BaseCommand):
    help = "Pin the network authority's public key (a JWK file), obtained outside the network."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jwk_file")
        parser.add_argument("--replace", action="store_true", help="replace a different pinned key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            jwk = json.loads(Path(options["jwk_file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise CommandError("cannot read that JWK file") from None
        try:
            key = keys.pin_authority(jwk, replace=options["replace"])
        except jose.JoseFailure as err:
            raise CommandError(f"not an Ed25519 public JWK: {err.detail}") from None
        except ValueError as err:
            raise CommandError(str(err)) from None
        self.stdout.write(f"pinned authority key {key.kid}")
