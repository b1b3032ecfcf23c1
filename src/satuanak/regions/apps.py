from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "satuanak.regions"
    verbose_name = "Wilayah (kecamatan, desa)"
