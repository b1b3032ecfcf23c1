from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "satuanak.accounts"
    verbose_name = "Pengguna dan instansi"
