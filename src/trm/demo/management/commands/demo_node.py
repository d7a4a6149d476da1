from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Prepare one demo node (migrate, seed synthetic data) and optionally serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prepare-only", action="store_true")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Demo nodes run with TRM_MODE=demo (make run does this).")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        node = settings.TRM_NODE_ID
        self.stdout.write(f"  {node}: migrating the database ...")
        self.stdout.flush()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"  {node}: seeding synthetic data ...")
        self.stdout.flush()
        call_command("demo_seed", verbosity=0)
        self.stdout.write(f"  {node}: ready ({settings.TRM_COUNTRY})")
        if not options["prepare_only"]:
            call_command("serve", bind=f"127.0.0.1:{options['port']}", workers=2, no_migrate=True)
