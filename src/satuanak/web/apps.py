from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "satuanak.web"
    verbose_name = "Halaman web"
