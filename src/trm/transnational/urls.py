from django.urls import path

from trm.transnational import views

app_name = "transnational"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("notifications/", views.notification_list, name="notifications"),
    path("received/failed/", views.failed, name="failed"),
    path("received/<uuid:message_id>/retry/", views.retry, name="retry"),
    path("send/<str:case_ref>/", views.send, name="send"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/new/<str:case_ref>/", views.alert_new, name="alert_new"),
    path("alerts/<uuid:alert_id>/", views.alert_detail, name="alert"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation/ask/", views.reconciliation_ask, name="reconciliation_ask"),
    path("<uuid:conversation>/", views.detail, name="detail"),
    path("<uuid:conversation>/live/", views.live, name="live"),
    path("<uuid:conversation>/messages/<uuid:message_id>/", views.message_evidence, name="evidence"),
    path("<uuid:conversation>/<slug:action>/", views.act, name="act"),
]
