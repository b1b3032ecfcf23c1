from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "satuanak.interop"
    verbose_name = "Interoperabilitas: API, FHIR, DHIS2 / interoperability"
