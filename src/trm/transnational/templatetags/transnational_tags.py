"""Labels of trm/1 codes in templates: ``{% load transnational_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template

from trm.transnational import rendering
from trm.transnational import vocabulary as v

register = template.Library()


@register.filter
def services(value: Any) -> str:
    """A list of service codes as their labels, joined (``Shelter, Legal aid``)."""
    return ", ".join(v.label(v.SERVICE, code) for code in value or [])


@register.filter
def country(value: Any) -> str:
    """A country code as the country's name in the active language."""
    return rendering.country(value, rendering.Known()) if value else ""
