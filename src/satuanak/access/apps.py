from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "satuanak.access"
    verbose_name = "Hak akses"
