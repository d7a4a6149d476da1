from __future__ import annotations

import logging
import random
import signal
import threading
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone

from trm.exchange import chores, inbox, outbox, transport

logger = logging.getLogger("trm.exchange.worker")


def _refresh_connection() -> None:
    # Keeps the connection within CONN_MAX_AGE and replaces a broken one (never inside a
    # transaction, which only happens when a test calls the command).
    if not connection.in_atomic_block:
        close_old_connections()


class Command(BaseCommand):
    help = (
        "Deliver the outbox and process the inbox (trm exchange worker). Runs until SIGTERM or "
        "SIGINT, finishing the message in hand; several workers may run side by side."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass over what is due, then stop")
        parser.add_argument("--batch", type=int, default=20)
        parser.add_argument("--interval", type=float, default=1.0, help="seconds to wait when idle")
        parser.add_argument(
            "--retry-base",
            type=float,
            default=outbox.BASE_DELAY.total_seconds(),
            help="back-off base in seconds (default: %(default)s)",
        )
        parser.add_argument(
            "--retry-cap",
            type=float,
            default=outbox.MAX_DELAY.total_seconds(),
            help="longest wait between two attempts, in seconds (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def request_stop(signum: int, _frame: object) -> None:
            logger.info("worker stopping (signal %d)", signum)
            stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
        rng = random.SystemRandom()
        base, cap = timedelta(seconds=options["retry_base"]), timedelta(seconds=options["retry_cap"])
        delivered = 0
        with transport.make_client() as client:
            while not stop.is_set():
                _refresh_connection()
                try:
                    chores.run_due(timezone.now())  # first, so that what a chore queues leaves in this pass
                    outcomes = outbox.deliver_due(client=client, rng=rng, batch=options["batch"], base=base, cap=cap)
                    processed = inbox.process_received(batch=options["batch"])
                except Exception as err:  # a database outage must not end the worker
                    logger.error("worker pass failed: %s at %s", type(err).__name__, inbox.where(err))
                    outcomes, processed = [], 0
                    if options["once"]:
                        raise
                delivered += sum(1 for o in outcomes if o.status == "delivered")
                if options["once"]:
                    if not outcomes and not processed:
                        break
                    continue
                if not outcomes and not processed:
                    stop.wait(options["interval"])
        _refresh_connection()
        if options["once"]:
            self.stdout.write(f"delivered {delivered}")
