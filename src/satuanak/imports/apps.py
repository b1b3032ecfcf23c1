from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "satuanak.imports"
    verbose_name = "Impor data sumber"
