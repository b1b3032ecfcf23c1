from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "satuanak.ops"
    verbose_name = "Operasi (kesehatan sistem, pekerja, cadangan) / operations"
