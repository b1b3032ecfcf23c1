from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "satuanak.demo"
    verbose_name = "Distrik sintetis (demo)"
