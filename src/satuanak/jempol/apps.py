from django.apps import AppConfig


class JempolConfig(AppConfig):
    name = "satuanak.jempol"
    verbose_name = "Jempol Adminduk Perbatasan: unit keliling / mobile unit"
