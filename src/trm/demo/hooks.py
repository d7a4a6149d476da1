"""Extension points of the demo launcher for the apps that need more than a web server.

The exchange adds its key set-up, the demo trust list and the outbox worker here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trm.demo.network import DemoNode


def after_prepare(nodes: tuple[DemoNode, ...], data_dir: Path) -> None:
    """Runs once after every node is migrated and seeded (e.g. to exchange public keys)."""


def node_processes(node: DemoNode) -> list[list[str]]:
    """Extra `trm` commands to run beside each node's web server (e.g. its workers)."""
    return []
