from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "satuanak.audit"
    verbose_name = "Log audit"
