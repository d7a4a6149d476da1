"""Dashboard panels: an app registers a function returning a panel for a user, or None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    title: Any
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelFactory = Callable[[HttpRequest], Panel | None]
_FACTORIES: list[PanelFactory] = []


def register(factory: PanelFactory) -> PanelFactory:
    if factory not in _FACTORIES:
        _FACTORIES.append(factory)
    return factory


def panels_for(request: HttpRequest) -> list[Panel]:
    found = [p for p in (f(request) for f in _FACTORIES) if p is not None]
    return sorted(found, key=lambda p: p.order)
