from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "trm.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from trm.accounts.roles import Cap
        from trm.navigation import NavItem, register

        register(NavItem(_("Audit log"), "audit:log", Cap.VIEW_AUDIT_LOG, order=900))
