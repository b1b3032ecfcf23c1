from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "satuanak.governance"
    verbose_name = "Tata kelola data (UU PDP) / data governance"
