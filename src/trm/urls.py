from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from trm.api import api

admin.site.site_header = "TRM node administration"
admin.site.site_title = "TRM"

# Error pages that need neither a session nor the database (see trm.core.errors).
handler400 = "trm.core.errors.bad_request"
handler500 = "trm.core.errors.server_error"


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    # Resolved per request: the static files' manifest may not exist when this module loads.
    return HttpResponseRedirect(static("img/favicon.svg"))


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
    # Browsers ask for /favicon.ico where a page (a PDF, a JSON answer) names no icon.
    path("favicon.ico", favicon, name="favicon"),
    # The admin uses the node's own login, with its second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="accounts:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
