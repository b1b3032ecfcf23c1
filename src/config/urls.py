from django.urls import include, path

urlpatterns = [
    path("admin/", include("satuanak.accounts.admin_urls")),  # the steward-only admin site
    path("akun/", include("satuanak.accounts.urls")),
    path("", include("satuanak.web.urls")),
]
