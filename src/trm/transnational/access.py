"""Who sees transnational referrals: the NRM focal point only (Cap.SEND_TRANSNATIONAL).

A link the user may not see is a 404, so a guessed conversation id tells nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from trm.accounts.roles import Cap
from trm.transnational.models import Link, RouteAlert


def may_use(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can(Cap.SEND_TRANSNATIONAL))


def may_read_raw(user: Any) -> bool:
    """Whether the user may see a message's trm/1 JSON beside its rendering: the focal point only."""
    return may_use(user)


def visible_links(user: Any) -> QuerySet[Link]:
    if not may_use(user):
        return Link.objects.none()
    return Link.objects.all()


def require(user: Any) -> None:
    if not may_use(user):
        raise PermissionDenied


def get_link_for(user: Any, conversation: Any) -> Link:
    link = visible_links(user).filter(conversation=conversation).select_related("case").first()
    if link is None:
        raise Http404
    return link


def visible_alerts(user: Any) -> QuerySet[RouteAlert]:
    """Route alerts sent from this node or received by it: the focal point only."""
    if not may_use(user):
        return RouteAlert.objects.none()
    return RouteAlert.objects.all()


def get_alert_for(user: Any, alert_id: Any) -> RouteAlert:
    alert = visible_alerts(user).filter(alert_id=alert_id).select_related("case").first()
    if alert is None:
        raise Http404
    return alert
