"""Warnings about a person's return that other parts of TRM contribute, shown where a return is arranged.

A part registers at start-up a function ``(case) -> list of sentences``; the conversation
page lists them above the return arrangements. A warning does not block the return (the
rules of ``kinds.py`` do that): it tells the focal point what to settle first, such as
criminal proceedings in which the person is expected to testify. The sentences carry
no personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ReturnWarning = Callable[[Any], list[str]]
_SOURCES: list[ReturnWarning] = []


def register(source: ReturnWarning) -> ReturnWarning:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def warnings_for(case: Any) -> list[str]:
    """Every registered warning about returning the person of ``case`` (none without a case)."""
    if case is None:
        return []
    return [sentence for source in _SOURCES for sentence in source(case)]
