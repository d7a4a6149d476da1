from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.demo.network import NODES, launch, reset


class Command(BaseCommand):
    help = (
        "Start the synthetic demo network: a destination node (SE) and two origin nodes (BG, RO), "
        "each a separate process with its own database, port, keys and workers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--nodes", type=int, default=len(NODES), help="how many of the demo nodes to start")
        parser.add_argument("--no-serve", action="store_true", help="prepare the nodes only")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo nodes' data first and start from fresh synthetic data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Run the demo with TRM_MODE=demo (make run does this).")
        if not 1 <= options["nodes"] <= len(NODES):
            raise CommandError(f"--nodes must be between 1 and {len(NODES)}.")
        if options["reset"]:
            reset(NODES, settings.DATA_DIR)
            self.stdout.write(f"The demo data under {settings.DATA_DIR} was deleted.")
        launch(NODES[: options["nodes"]], settings.DATA_DIR, serve=not options["no_serve"])
