"""Dashboard panel: the next meeting and open commitments (secretariat), or one's own country's."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.accounts.roles import Cap
from trm.audit import anchors
from trm.dashboard.panels import Panel
from trm.exchange import refresh
from trm.network import access


def network_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    secretariat = access.is_secretariat(user)
    if not secretariat and access.participant_for(user) is None:
        return None
    today = timezone.localdate()
    items = access.visible_action_items(user).open()
    context = {
        "next_meeting": access.visible_meetings(user).upcoming(today).first(),
        "open_count": items.count(),
        "overdue_count": items.filter(due_date__lt=today).count(),
        "own_country": None if secretariat else access.coordinator_country(user),
        "is_secretariat": secretariat,
    }
    return Panel(title=_("Network of coordinators"), template="network/_panel.html", context=context, order=40)


def audit_alarm_panel(request: HttpRequest) -> Panel | None:
    """Heads of another node's audit chain that contradict earlier ones (this node is its witness)."""
    user: Any = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    if not any(user.can(cap) for cap in (Cap.SEND_TRANSNATIONAL, Cap.MANAGE_NETWORK, Cap.VIEW_AUDIT_LOG)):
        return None
    alarms = anchors.alarms()
    count = alarms.count()
    if not count:
        return None
    context = {"alarms": list(alarms[:10]), "count": count}
    return Panel(title=_("Audit chain alarms"), template="network/_audit_alarms.html", context=context, order=5)


def trust_list_panel(request: HttpRequest) -> Panel | None:
    """A warning for the node administrator and the focal point when the trust list is stale
    (old, past its announced update, close to expiry or gone) or fetching it keeps failing."""
    user: Any = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    if not any(user.can(cap) for cap in (Cap.MANAGE_KEYS, Cap.SEND_TRANSNATIONAL)):
        return None
    health = refresh.health(now=timezone.now())
    if not health.problems:
        return None
    problems = set(health.problems)
    context = {"health": health, "problems": problems, "stale": bool(problems & refresh.STALE)}
    return Panel(title=_("Trust list"), template="network/_trust_list.html", context=context, order=4)
