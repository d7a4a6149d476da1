from __future__ import annotations

from django.urls import path

from trm.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("search/", views.case_search, name="search"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/screen/", views.case_screen, name="screen"),
    path("<str:reference>/timeline/", views.case_timeline, name="timeline"),
    path("<str:reference>/<slug:action>/", views.case_action, name="action"),
]
