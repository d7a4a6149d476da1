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


# Why fetching the trust list failed, for people (the codes are exchange.refresh's and trm/1's).
_FETCH_ERRORS = {
    "connect": _("the published address did not answer"),
    "timeout": _("the published address answered too slowly"),
    "network": _("the connection broke off"),
    "bad_url": _("the published address is not an https address"),
    "no_authority_pinned": _("no network authority key is pinned"),
    "oversized": _("the list was too large"),
    "trust_list_rollback": _("the list was older than the one held (refused)"),
    "trust_list_expired": _("the list had expired (refused)"),
    "trust_list_not_yet_valid": _("the list was issued in the future (refused)"),
    "trust_list_bad_signature": _("the list was not signed with the pinned authority key (refused)"),
    "trust_list_malformed": _("the list was malformed (refused)"),
}


def fetch_error_label(code: str) -> str:
    if code.startswith("http_") and code[5:].isdigit():
        return _("the server answered with HTTP status %(status)s") % {"status": code[5:]}
    return str(_FETCH_ERRORS.get(code, code))


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
    context = {
        "health": health,
        "problems": problems,
        "stale": bool(problems & refresh.STALE),
        "last_error": fetch_error_label(health.last_error) if health.last_error else "",
    }
    return Panel(title=_("Trust list"), template="network/_trust_list.html", context=context, order=4)
