"""Extra sections of the case page, contributed by other apps (referrals, exchange).

A section factory receives the request and a case the user may see (already checked by
cases.access) and returns a Panel to show, or None. Factories scope their own data
through their own access module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest

from trm.dashboard.panels import Panel

if TYPE_CHECKING:
    from trm.cases.models import Case

SectionFactory = Callable[[HttpRequest, "Case"], Panel | None]
_FACTORIES: list[SectionFactory] = []


def register(factory: SectionFactory) -> SectionFactory:
    if factory not in _FACTORIES:
        _FACTORIES.append(factory)
    return factory


def sections_for(request: HttpRequest, case: Case) -> list[Panel]:
    found = [p for p in (f(request, case) for f in _FACTORIES) if p is not None]
    return sorted(found, key=lambda p: p.order)
