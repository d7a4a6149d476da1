from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from trm.navigation import items_for
from trm.vocab.countries import country_name


def node(request: HttpRequest) -> dict[str, Any]:
    return {
        "node_id": settings.TRM_NODE_ID,
        "node_name": settings.TRM_NODE_NAME,
        "node_country": country_name(settings.TRM_COUNTRY),
        "demo_mode": settings.DEMO,
        # A request refused before the middleware ran (an unknown Host header) has no user.
        "nav_items": items_for(request) if hasattr(request, "user") else [],
    }
