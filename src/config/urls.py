from django.urls import include, path

from satuanak.interop.api import urls as api_urls

urlpatterns = [
    path("admin/", include("satuanak.accounts.admin_urls")),  # the steward-only admin site
    path("akun/", include("satuanak.accounts.urls")),
    path("api/v1/", api_urls()),
    path("", include("satuanak.web.urls")),
]
