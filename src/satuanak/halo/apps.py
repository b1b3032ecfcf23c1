from django.apps import AppConfig


class HaloConfig(AppConfig):
    name = "satuanak.halo"
    verbose_name = "Halo Remaja (konseling rahasia) / confidential counselling"
