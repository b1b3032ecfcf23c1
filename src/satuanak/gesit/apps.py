from django.apps import AppConfig


class GesitConfig(AppConfig):
    name = "satuanak.gesit"
    verbose_name = "GESIT: BAAS, PMT, Prosasa"
