from django.apps import AppConfig


class MutuConfig(AppConfig):
    name = "satuanak.mutu"
    verbose_name = "Mutu data pengukuran dan cakupan / measurement quality and coverage"
