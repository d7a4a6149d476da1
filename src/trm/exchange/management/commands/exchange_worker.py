from __future__ import annotations

import logging
import random
import signal
import threading
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from trm.exchange import outbox, transport
from trm.exchange.worker import LANES, Worker, refresh_connection

logger = logging.getLogger("trm.exchange.worker")


class Command(BaseCommand):
    help = (
        "Deliver the outbox and process the inbox (trm exchange worker). Runs until SIGTERM or "
        "SIGINT, finishing the messages in hand; several workers may run side by side."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="pass over what is due until nothing moves, then stop")
        parser.add_argument("--batch", type=int, default=20)
        parser.add_argument("--interval", type=float, default=1.0, help="seconds to wait when idle")
        parser.add_argument(
            "--lanes",
            type=int,
            default=LANES,
            help="peers delivered to at the same time, each in its own thread (default: %(default)s)",
        )
        parser.add_argument(
            "--lanes-per-peer",
            type=int,
            default=None,
            help="lanes delivering to one peer at the same time, each its own conversations "
            "(default: TRM_EXCHANGE_LANES_PER_PEER, 4)",
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=outbox.LEASE.total_seconds(),
            help=(
                "seconds a claim is held without renewal; the worker renews it every third of that, "
                "and a killed worker's batch leaves again after it (default: %(default)s)"
            ),
        )
        parser.add_argument(
            "--retry-base",
            type=float,
            default=outbox.BASE_DELAY.total_seconds(),
            help="back-off base of a message that failed on its own, in seconds (default: %(default)s)",
        )
        parser.add_argument(
            "--retry-cap",
            type=float,
            default=outbox.MAX_DELAY.total_seconds(),
            help="longest wait between two attempts of a message, in seconds (default: %(default)s)",
        )
        parser.add_argument(
            "--peer-retry-cap",
            type=float,
            default=outbox.PEER_MAX_DELAY.total_seconds(),
            help="longest wait before trying a peer that failed again, in seconds (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, _frame: object) -> None:
            logger.info("worker stopping (signal %d)", signum)
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
        pacing = outbox.Pacing(
            base=timedelta(seconds=options["retry_base"]),
            cap=timedelta(seconds=options["retry_cap"]),
            peer_cap=timedelta(seconds=options["peer_retry_cap"]),
        )
        with transport.make_client() as client:
            worker = Worker(
                client=client,
                rng=random.SystemRandom(),
                batch=options["batch"],
                lanes=max(1, options["lanes"]),
                lanes_per_peer=max(1, options["lanes_per_peer"] or settings.TRM_EXCHANGE_LANES_PER_PEER),
                interval=options["interval"],
                pacing=pacing,
                lease=timedelta(seconds=max(1.0, options["lease"])),
                heartbeat=max(1.0, options["lease"]) / 3,
                stop=stop,
            )
            if options["once"]:
                worker.run_once()
            else:
                worker.run()
        refresh_connection()
        if options["once"]:
            self.stdout.write(f"delivered {worker.delivered}")
