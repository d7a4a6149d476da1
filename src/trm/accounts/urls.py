from django.urls import path

from trm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("link/<str:kind>/<str:uidb64>/<str:token>/", views.enrol, name="enrol"),
]
