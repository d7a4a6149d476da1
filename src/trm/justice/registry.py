"""What the justice app registers at start-up: menu entries, dashboard panels, message handlers.

Each part (proceedings, compensation, teams, groups) adds one line to ``ready``.
"""

from __future__ import annotations


def ready() -> None:
    from trm.justice import compensation_registry

    compensation_registry.ready()
