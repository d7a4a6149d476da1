from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Migrate, seed synthetic demo data and serve the node on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare only")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Run the demo with TRM_MODE=demo (make run does this).")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_seed")
        if options["no_serve"]:
            return
        self.stdout.write(f"Serving on http://127.0.0.1:{options['port']}/ — press Ctrl+C to stop.")
        call_command("serve", bind=f"127.0.0.1:{options['port']}", workers=2, no_migrate=True)
