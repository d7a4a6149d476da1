from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JusticeConfig(AppConfig):
    name = "trm.justice"
    label = "justice"
    verbose_name = _("Justice")

    def ready(self) -> None:
        # Each part of the app registers its menu entries, panels and handlers in its own module.
        from trm.justice import registry

        registry.ready()
