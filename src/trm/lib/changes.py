"""Apply a verb function's keyword changes to a model instance, only for fields it allows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def apply_changes(obj: Any, changes: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the changed values on ``obj`` and return the names that differ (for update_fields and audit).

    A name outside ``allowed`` is a programming error: TypeError, nothing set.
    """
    allowed = set(allowed)
    unknown = [name for name in changes if name not in allowed]
    if unknown:
        raise TypeError(f"{unknown[0]} cannot be changed here")
    changed = []
    for name, value in changes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed
