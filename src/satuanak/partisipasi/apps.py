from django.apps import AppConfig


class PartisipasiConfig(AppConfig):
    name = "satuanak.partisipasi"
    verbose_name = "Partisipasi anak (Forum Anak 2P, Musrenbang) / children's participation"
