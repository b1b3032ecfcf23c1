from django.urls import include, path

from satuanak.interop.api import urls as api_urls
from satuanak.web import views as web_views

# An outage (database, full disk) answers 503/507 with what to do, not a generic 500.
handler500 = "satuanak.web.views.server_error"

urlpatterns = [
    # Probes for systemd, nginx and monitoring (docs/deploy.md): outside the app's URL space.
    path("healthz", web_views.healthz, name="healthz"),
    path("readyz", web_views.readyz, name="readyz"),
    path("admin/", include("satuanak.accounts.admin_urls")),  # the steward-only admin site
    path("akun/", include("satuanak.accounts.urls")),
    path("api/v1/", api_urls()),
    path("", include("satuanak.web.urls")),
]
