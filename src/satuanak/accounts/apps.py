from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "satuanak.accounts"
    verbose_name = "Pengguna dan instansi"

    def ready(self) -> None:
        # Connects the LOGOUT audit receiver.
        from satuanak.accounts import signals  # noqa: F401
