"""Extra sections of the case page, contributed by other apps (referrals, exchange).

A section factory receives the request and a case the user may see (already checked by
cases.access) and returns a Panel to show, or None. Factories scope their own data
through their own access module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


# Support data (risk assessments, support plans, referrals to services and what they delivered)
# withheld from some readers: another part decides (the justice part keeps it from the criminal
# track, justice/access.py). A rule receives the user and answers the cases whose support data
# is withheld from them (a queryset of primary keys), or None; the rules add up.
SupportRule = Callable[[Any], Any]
_SUPPORT_RULES: list[SupportRule] = []


def withhold_support(rule: SupportRule) -> SupportRule:
    if rule not in _SUPPORT_RULES:
        _SUPPORT_RULES.append(rule)
    return rule


def support_withheld_cases(user: Any) -> list[Any]:
    """The querysets of case primary keys whose support data the user may not read."""
    return [found for found in (rule(user) for rule in _SUPPORT_RULES) if found is not None]


def support_withheld(user: Any, case: Case) -> bool:
    return any(found.filter(pk=case.pk).exists() for found in support_withheld_cases(user))
