from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "satuanak.facilities"
    verbose_name = "Fasilitas (puskesmas, posyandu, sekolah)"
