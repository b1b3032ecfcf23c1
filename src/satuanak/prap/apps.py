from django.apps import AppConfig


class PrapConfig(AppConfig):
    name = "satuanak.prap"
    verbose_name = "Puskesmas Ramah Anak (PRAP)"
