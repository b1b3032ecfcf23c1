from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "satuanak.applications"
    verbose_name = "Permohonan adminduk daring dan kolektif sekolah / online and school applications"
