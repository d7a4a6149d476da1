from django.urls import path

from trm.transnational import views

app_name = "transnational"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("notifications/", views.notification_list, name="notifications"),
    path("received/failed/", views.failed, name="failed"),
    path("received/<uuid:message_id>/retry/", views.retry, name="retry"),
    path("send/<str:case_ref>/", views.send, name="send"),
    path("<uuid:conversation>/", views.detail, name="detail"),
    path("<uuid:conversation>/live/", views.live, name="live"),
    path("<uuid:conversation>/<slug:action>/", views.act, name="act"),
]
