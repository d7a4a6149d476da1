"""Who may read the audit log: the data protection officer (content-free entries only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from trm.accounts.roles import Cap
from trm.audit.models import AuditEvent


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    if not user.can(Cap.VIEW_AUDIT_LOG):
        raise PermissionDenied
    return AuditEvent.objects.order_by("-seq")
