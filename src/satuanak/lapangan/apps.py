from django.apps import AppConfig


class LapanganConfig(AppConfig):
    name = "satuanak.lapangan"
    verbose_name = "Pencatatan lapangan luring / offline field capture"
