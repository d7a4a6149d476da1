"""JSON API of the network app (mounted at /api/network/)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["network"])
