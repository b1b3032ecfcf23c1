from django.apps import AppConfig


class RemajaConfig(AppConfig):
    name = "satuanak.remaja"
    verbose_name = "Remaja (PKPR, Posyandu Remaja, anemia dan TTD) / adolescent health"
