from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "trm.exchange"
    label = "exchange"
    verbose_name = "trm/1 exchange"

    def ready(self) -> None:
        from trm.exchange import reconciliation, refresh

        # The worker fetches the trust list from its published address (TRM_TRUST_LIST_URL).
        refresh.register()
        # Summaries of what this node and each peer exchanged (trm/1 §5.21, docs/exchange.md).
        reconciliation.register()
