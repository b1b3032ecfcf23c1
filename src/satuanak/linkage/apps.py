from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "satuanak.linkage"
    verbose_name = "Penautan (Satu Anak, Satu NIK)"
