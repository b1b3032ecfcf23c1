from django.apps import AppConfig


class KlaConfig(AppConfig):
    name = "satuanak.kla"
    verbose_name = "Skor KLA dan laporan / KLA scorecard and reports"
