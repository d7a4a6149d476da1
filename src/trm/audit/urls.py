from django.urls import path

from trm.audit import views

app_name = "audit"
urlpatterns = [path("", views.log, name="log")]
