"""`satuanak api_token --user USERNAME --name NAME [--days N]`: make an API token on the
command line (a server's integration account, or the demo); the secret is printed once.
`--revoke PREFIX` revokes the user's token with that prefix."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.accounts.models import User
from satuanak.interop.tokens import DEFAULT_DAYS, TokenError, token_create, token_revoke, tokens_of


class Command(BaseCommand):
    help = "Buat atau cabut token API seorang pengguna / make or revoke a user's API token"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
        parser.add_argument(
            "--purpose",
            default="",
            help="tujuan untuk data pribadi (mis. layanan) / purpose for personal data (e.g. layanan)",
        )
        parser.add_argument("--revoke", default="", help="awalan token yang dicabut / prefix to revoke")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"Pengguna tidak dikenal: {opts['user']} / unknown user")
        if opts["revoke"]:
            token = tokens_of(user).filter(prefix=opts["revoke"].rstrip("…")).first()
            if token is None:
                raise CommandError("Token dengan awalan itu tidak ada. / No token with that prefix.")
            token_revoke(token=token, by=user)
            self.stdout.write(f"dicabut / revoked: {token.prefix}…")
            return
        try:
            token, secret = token_create(
                user=user,
                name=opts["name"] or "baris perintah / command line",
                days=opts["days"],
                purpose=opts["purpose"],
            )
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"token {token.prefix}… berlaku sampai / valid until {token.expires_at:%Y-%m-%d}")
        self.stdout.write(secret)
