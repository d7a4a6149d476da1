from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trm.referrals import routing


class Command(BaseCommand):
    help = (
        "End referrals whose consent was withdrawn or whose case was closed, and alert on referrals "
        "not answered in time. Runs once, or every --every seconds until stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds (0: run once).")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def _stop(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while True:
            counts = routing.sweep()
            if options["verbosity"] > 0:
                self.stdout.write(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
            if not options["every"] or stop.is_set():
                return
            for _ in range(options["every"]):
                if stop.is_set():
                    return
                time.sleep(1)
