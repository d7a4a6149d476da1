from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "trm.exchange"
    label = "exchange"
    verbose_name = "trm/1 exchange"
