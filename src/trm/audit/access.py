"""Who may read the audit log: the data protection officer (content-free entries only)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from trm.accounts.access import signed_in
from trm.accounts.models import Viewer
from trm.accounts.roles import Cap
from trm.audit.models import AuditEvent


def visible_events(user: Viewer) -> QuerySet[AuditEvent]:
    if not signed_in(user):
        raise PermissionDenied
    if not user.can(Cap.VIEW_AUDIT_LOG):
        raise PermissionDenied
    return AuditEvent.objects.order_by("-seq")
