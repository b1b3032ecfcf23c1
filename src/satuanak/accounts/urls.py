"""Account pages (second factor, password). Included at /akun/ by config/urls.py."""

from django.urls import path

from satuanak.accounts import views

app_name = "accounts"

urlpatterns = [
    path("masuk/kode/", views.login_totp, name="login-totp"),
    path("2fa/", views.totp_setup, name="totp"),
    path("kata-sandi/", views.password_change_view, name="password"),
]
