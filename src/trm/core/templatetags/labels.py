"""Coded values as labels in templates (``{% load labels %}``); the vocabularies are in ``trm.lib.labels``.

{{ case.citizenship|label:"country" }}        Bulgaria
{{ person.languages|labels:"language" }}     Bulgarian, Romani
"""

from __future__ import annotations

from typing import Any

from django import template

from trm.lib import labels as vocabularies

register = template.Library()


@register.filter
def label(value: Any, vocabulary: str) -> str:
    return vocabularies.label(vocabulary, value)


@register.filter
def labels(value: Any, vocabulary: str) -> str:
    """A list of codes as their labels, joined with commas."""
    return ", ".join(vocabularies.labels(vocabulary, value))
