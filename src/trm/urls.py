from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from trm.api import api

admin.site.site_header = "TRM node administration"
admin.site.site_title = "TRM"

# Error pages that need neither a session nor the database (see trm.core.errors).
handler400 = "trm.core.errors.bad_request"
handler500 = "trm.core.errors.server_error"

urlpatterns = [
    path("", include("trm.dashboard.urls")),
    path("accounts/", include("trm.accounts.urls")),
    path("audit/", include("trm.audit.urls")),
    path("cases/", include("trm.cases.urls")),
    path("referrals/", include("trm.referrals.urls")),
    path("network/", include("trm.network.urls")),
    path("trm/1/", include("trm.exchange.urls")),
    path("transnational/", include("trm.transnational.urls")),
    path("statistics/", include("trm.statistics.urls")),
    path("justice/", include("trm.justice.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin uses the node's own login, with its second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
