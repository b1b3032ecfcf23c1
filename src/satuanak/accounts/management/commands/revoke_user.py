"""`satuanak revoke_user <username> --reason "..."`: take away a user's access at once.

For when the admin is out of reach (or the steward's own account is the problem): deactivates
the account, ends its sessions, removes its second factor, and writes USER_REVOKED to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.accounts.models import User
from satuanak.accounts.services import AccountError, user_revoke


class Command(BaseCommand):
    help = "Cabut akses pengguna (nonaktifkan, akhiri sesi, hapus 2FA) / Revoke a user's access"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="nama pengguna / username")
        parser.add_argument("--reason", default="", help="alasan (wajib) / reason (required)")

    def handle(self, *args: Any, username: str, reason: str, **options: Any) -> None:
        if not reason.strip():
            raise CommandError('Alasan wajib diisi: --reason "...". / A reason is required: --reason "...".')
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Pengguna {username!r} tidak ditemukan. / User {username!r} not found.")
        try:
            ended = user_revoke(user=user, by=None, reason=reason)
        except AccountError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Akses {user.username} dicabut; {ended} sesi diakhiri. / "
                f"Access of {user.username} revoked; {ended} session(s) ended."
            )
        )
