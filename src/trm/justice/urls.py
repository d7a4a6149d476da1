from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "justice"
# One block per part of the app (proceedings, compensation, teams, groups).
urlpatterns: list[URLPattern | URLResolver] = []
