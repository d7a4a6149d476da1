from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.exchange import jose


class Command(BaseCommand):
    help = (
        "Network authority: generate an Ed25519 authority key. Writes the private JWK to OUT "
        "(mode 600) and prints the public JWK, which every node pins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="file for the private JWK (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["out"])
        if path.exists():
            raise CommandError("that file exists; refusing to overwrite an authority key")
        key = jose.generate_signing_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(jose.private_key_to_json(key))
        self.stdout.write(json.dumps(jose.public_jwk(key), sort_keys=True))
