from django.urls import path

from trm.transnational import views

app_name = "transnational"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("send/<str:case_ref>/", views.send, name="send"),
    path("<uuid:conversation>/", views.detail, name="detail"),
    path("<uuid:conversation>/<slug:action>/", views.act, name="act"),
]
