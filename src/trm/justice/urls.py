from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from trm.justice import views

app_name = "justice"
# One block per part of the app (proceedings, compensation, teams, groups).
urlpatterns: list[URLPattern | URLResolver] = []

urlpatterns += [
    path("proceedings/", views.proceeding_list, name="proceedings"),
    path("proceedings/new/<str:case_ref>/", views.proceeding_new, name="proceeding_new"),
    path("proceedings/support/<str:case_ref>/<slug:action>/", views.disclosure, name="disclosure"),
    path("proceedings/<str:reference>/", views.proceeding_detail, name="proceeding"),
    path("proceedings/<str:reference>/<slug:action>/", views.proceeding_action, name="proceeding_action"),
]
