"""URLs of the steward's admin site, included at /admin/ by config/urls.py.

Built here (not at import of accounts/admin.py) because every app's admin module must have
registered its models on Django's default site first; URLconfs load after all apps are ready.
"""

from satuanak.accounts.admin import steward_admin_site

site = steward_admin_site()
app_name = "admin"
urlpatterns = site.get_urls()
