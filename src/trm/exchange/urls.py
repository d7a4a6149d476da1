from __future__ import annotations

from django.urls import path

from trm.exchange import views

app_name = "exchange"

urlpatterns = [
    path("inbox", views.inbox_view, name="inbox"),
    path("trust-list", views.trust_list_view, name="trust_list"),
]
