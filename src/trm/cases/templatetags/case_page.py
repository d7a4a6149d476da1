"""The case page's openers: ``{% opener "note" %}`` is the link that fetches an action's form into its slot.

Written in Python rather than included as a template: the page carries up to twenty of them, and
an include costs more than the few tags it holds.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def opener(context: Any, action: str, label: Any = "") -> SafeString:
    """The link to the action's form (a page of its own, or into ``#slot-<action>`` with htmx)."""
    href = reverse("cases:action", args=[context["case"].reference, action])
    return format_html(
        '<div class="opener"><a class="button secondary" href="{0}" hx-get="{0}" hx-target="#slot-{1}" '
        'hx-swap="innerHTML">{2}</a></div>\n<div id="slot-{1}" class="slot"></div>',
        href,
        action,
        label or context["actions"][action].legend,
    )
