"""`satuanak demo_users`: one demo login per role, printed for the person running the demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from satuanak.demo.services import DEMO_PASSWORD, demo_users_create
from satuanak.regions.models import Desa


class Command(BaseCommand):
    help = "Buat satu login demo per peran / create one demo login per role"

    def handle(self, *args: Any, **options: Any) -> None:
        if not Desa.objects.exists():
            raise CommandError(
                "Data wilayah belum dimuat; jalankan `satuanak load_reference` dulu / "
                "regions not loaded; run `satuanak load_reference` first"
            )
        logins = demo_users_create()
        self.stdout.write("Login demo (kata sandi / password: " + DEMO_PASSWORD + ")")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(
                f"  {login.username.ljust(width)}  {login.role} — {login.agency} — {login.area}"
            )
