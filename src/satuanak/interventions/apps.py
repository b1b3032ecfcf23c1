from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "satuanak.interventions"
    verbose_name = "Intervensi / interventions"
