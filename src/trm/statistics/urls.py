from django.urls import path

from trm.statistics import views

app_name = "statistics"
urlpatterns = [
    path("", views.home, name="home"),
    path("refresh/", views.refresh, name="refresh"),
    path("releases/", views.releases_page, name="releases"),
    path("export/<str:fmt>/", views.export, name="export"),
    path("regional/", views.regional_page, name="regional"),
    path("regional/send/", views.regional_send, name="regional_send"),
]
