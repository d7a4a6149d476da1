"""JSON API of the cases app (mounted at /api/cases/)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cases"])
