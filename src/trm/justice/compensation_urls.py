"""Routes of compensation claims and group cases (included by ``justice/urls.py``)."""

from __future__ import annotations

from django.urls import path

from trm.justice import compensation_views, group_views

urlpatterns = [
    path("compensation/", compensation_views.overview, name="compensation"),
    path("compensation/new/<str:case_ref>/", compensation_views.claim_new, name="claim_new"),
    path("compensation/<str:reference>/", compensation_views.claim_detail, name="claim"),
    path("compensation/<str:reference>/<slug:action>/", compensation_views.claim_action, name="claim_action"),
    path("groups/", group_views.group_list, name="groups"),
    path("groups/new/", group_views.group_new, name="group_new"),
    path("groups/<str:reference>/", group_views.group_detail, name="group"),
    path("groups/<str:reference>/<slug:action>/", group_views.group_action, name="group_action"),
]
