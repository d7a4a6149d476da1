from __future__ import annotations

from django import template

from trm.referrals.models import Service

register = template.Library()


@register.filter
def service_label(value: str) -> str:
    return str(Service(value).label) if value in Service.values else value
