"""Login page panels: an app registers a function returning a panel for the login page, or None.

The login page knows nothing of what a panel shows (the demo lists its accounts this way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class LoginPanel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


LoginPanelFactory = Callable[[HttpRequest], LoginPanel | None]
_FACTORIES: list[LoginPanelFactory] = []


def register(factory: LoginPanelFactory) -> LoginPanelFactory:
    if factory not in _FACTORIES:
        _FACTORIES.append(factory)
    return factory


def panels_for(request: HttpRequest) -> list[LoginPanel]:
    return [p for p in (f(request) for f in _FACTORIES) if p is not None]
