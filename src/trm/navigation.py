"""Main navigation: each app registers its entries (in AppConfig.ready); shown by capability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation
    url_name: str
    capability: str | None
    order: int = 100


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in _ITEMS:
        _ITEMS.append(item)
        _ITEMS.sort(key=lambda i: i.order)


def items_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    if not user.is_authenticated:
        return []
    out = []
    for item in _ITEMS:
        # Core may not import accounts' Cap; the registered value is one of its strings.
        if item.capability is not None and not user.can(item.capability):  # type: ignore[arg-type]
            continue
        url = reverse(item.url_name)
        out.append({"label": item.label, "url": url, "current": request.path.startswith(url)})
    return out
