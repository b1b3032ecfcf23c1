from django.apps import AppConfig


class AdmindukConfig(AppConfig):
    name = "satuanak.adminduk"
    verbose_name = "Layanan adminduk / civil-registration services"
