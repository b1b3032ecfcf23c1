from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "satuanak.persons"
    verbose_name = "Anak (rekaman induk)"
