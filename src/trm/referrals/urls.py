from __future__ import annotations

from django.urls import path

from trm.referrals import plan_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("start/", views.referral_start, name="start"),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/<slug:action>/", plan_views.plan_action, name="plan_action"),
    path("notifications/", views.notification_list, name="notifications"),
    path("directory/", views.directory_list, name="directory"),
    path("directory/new/", views.provider_new, name="provider_new"),
    path("directory/<int:pk>/", views.provider_detail, name="provider"),
    path("directory/<int:pk>/edit/", views.provider_edit, name="provider_edit"),
    path("directory/<int:pk>/capacity/", views.provider_capacity, name="provider_capacity"),
    path("new/<str:case_ref>/", views.referral_new, name="new"),
    path("<str:reference>/", views.referral_detail, name="detail"),
    path("<str:reference>/form.pdf", views.referral_pdf, name="pdf"),
    path("<str:reference>/receipt.pdf", views.referral_receipt, name="receipt"),
    path("<str:reference>/fields/<slug:field>/", views.referral_field, name="field"),
    path("<str:reference>/<slug:action>/", views.referral_action, name="action"),
]
