from django.apps import AppConfig


class CegahConfig(AppConfig):
    name = "satuanak.cegah"
    verbose_name = "CEGAH DINI (Bimwin, MPLS) / child-marriage prevention"
