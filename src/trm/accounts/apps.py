from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    # Roles are data: their groups and permissions follow the table in roles.py.
    from trm.accounts import roles

    roles.sync_groups(using=str(kwargs.get("using", "default")))


class AccountsConfig(AppConfig):
    name = "trm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self)
        # django.contrib.admin (first in INSTALLED_APPS) has loaded every admin module by now.
        from django.contrib import admin

        from trm.accounts.admin import audit_every_model_admin

        audit_every_model_admin(admin.site)
