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
