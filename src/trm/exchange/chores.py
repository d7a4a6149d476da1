"""Periodic work that other parts give the exchange worker (``trm exchange worker``).

The exchange knows nothing of what a chore does (the network part publishes the audit
chain's head this way): a part registers a function at start-up, and each worker pass runs
the chores that are due in this process. A chore decides itself, from the database, whether
there is anything to do, so that several workers may run side by side. A failing chore is
logged (class and place, never its text) and never stops the worker.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

logger = logging.getLogger("trm.exchange.chores")

Chore = Callable[[datetime], object]


@dataclass
class _Entry:
    run: Chore
    every: float  # seconds between two runs in this process
    next_at: float = field(default=0.0)


_chores: dict[str, _Entry] = {}


def register(name: str, chore: Chore, *, every_seconds: float = 60.0) -> None:
    """Run ``chore(now)`` from the worker, at most every ``every_seconds`` in one process."""
    existing = _chores.get(name)
    if existing is not None and existing.run is not chore:
        raise ValueError(f"a chore named {name} is already registered")
    _chores[name] = _Entry(chore, every_seconds)


def unregister(name: str) -> None:
    _chores.pop(name, None)


def run_due(now: datetime, *, clock: Callable[[], float] = time.monotonic) -> int:
    """Run each chore whose interval has passed; returns how many ran."""
    ran = 0
    moment = clock()
    for name, entry in list(_chores.items()):
        if moment < entry.next_at:
            continue
        entry.next_at = moment + entry.every
        try:
            entry.run(now)
        except Exception as err:
            places = ", ".join(
                f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in traceback.extract_tb(err.__traceback__)
            )
            logger.error("chore %s failed: %s at %s", name, type(err).__name__, places)
        ran += 1
    return ran
