from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from trm.exchange import keys


class Command(BaseCommand):
    help = "Generate this node's trm/1 signing and encryption keys, unless it has them (trm keys init)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = keys.init(now=timezone.now())
        for row in created:
            self.stdout.write(f"generated {row.use} key {row.kid}")
        if not created:
            self.stdout.write("this node already has its keys; `trm keys rotate` adds new ones")
