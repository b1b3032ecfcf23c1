from django.apps import AppConfig


class KemitraanConfig(AppConfig):
    name = "satuanak.kemitraan"
    verbose_name = "Kemitraan dan pendanaan (IKM, APSAI, dana program) / partnerships and funding"
