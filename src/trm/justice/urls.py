from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from trm.justice import compensation_urls, teams_views, views

app_name = "justice"
# One block per part of the app (proceedings, compensation, teams, groups).
urlpatterns: list[URLPattern | URLResolver] = [
    path("teams/", teams_views.team_list, name="teams"),
    path("teams/new/", teams_views.team_new, name="team_new"),
    path("teams/<str:ref>/", teams_views.team_detail, name="team"),
    path("teams/<str:ref>/parties/", teams_views.team_party, name="team_party"),
    path("teams/<str:ref>/members/", teams_views.team_member, name="team_member"),
    path("teams/<str:ref>/cases/", teams_views.team_case, name="team_case"),
    path("teams/<str:ref>/items/new/", teams_views.item_new, name="team_item_new"),
    path("teams/<str:ref>/items/<int:pk>/", teams_views.item_detail, name="team_item"),
    path("teams/<str:ref>/items/<int:pk>/forward/", teams_views.item_forward, name="team_item_forward"),
    path("teams/<str:ref>/items/<int:pk>/evidence/", teams_views.item_evidence, name="team_item_evidence"),
    path("teams/<str:ref>/export.csv", teams_views.team_export, name="team_export"),
]

urlpatterns += [
    path("proceedings/", views.proceeding_list, name="proceedings"),
    path("proceedings/new/<str:case_ref>/", views.proceeding_new, name="proceeding_new"),
    path("proceedings/support/<str:case_ref>/<slug:action>/", views.disclosure, name="disclosure"),
    path("proceedings/<str:reference>/", views.proceeding_detail, name="proceeding"),
    path("proceedings/<str:reference>/<slug:action>/", views.proceeding_action, name="proceeding_action"),
]
urlpatterns += compensation_urls.urlpatterns
