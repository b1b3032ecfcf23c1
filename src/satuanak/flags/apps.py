from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "satuanak.flags"
    verbose_name = "Penanda risiko dan agregat / risk flags and aggregates"
