from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trm.exchange import keys


class Command(BaseCommand):
    help = "Print this node's public trust-list entry (node id, country, endpoint, public keys) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", default=None, help="organisation running the node")
        parser.add_argument("--endpoint", default=None, help="public base URL (default: TRM_PUBLIC_URL)")
        parser.add_argument("--init", action="store_true", help="generate the keys first if there are none")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["init"]:
            keys.init(now=timezone.now())
        try:
            entry = keys.export_entry(organisation=options["organisation"], endpoint=options["endpoint"])
        except keys.NoKeys as err:
            raise CommandError(str(err)) from None
        self.stdout.write(json.dumps(entry, indent=2, sort_keys=True))
