from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "trm.exchange"
    label = "exchange"
    verbose_name = "trm/1 exchange"

    def ready(self) -> None:
        from trm.exchange import refresh

        # The worker fetches the trust list from its published address (TRM_TRUST_LIST_URL).
        refresh.register()
