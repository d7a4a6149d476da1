from __future__ import annotations

from django.urls import URLPattern, URLResolver

from trm.justice import compensation_urls

app_name = "justice"
# One block per part of the app (proceedings, compensation, teams, groups).
urlpatterns: list[URLPattern | URLResolver] = []
urlpatterns += compensation_urls.urlpatterns
