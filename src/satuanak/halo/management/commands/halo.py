"""`satuanak halo purge [--dry-run]`: delete the Halo Remaja conversations closed more than
SATUANAK_HALO_RETENTION_DAYS days ago (messages, contacts, handovers), keeping only their counts
for the statistics. `--dry-run` lists the ids it would delete and deletes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satuanak.halo.selectors import retention_days
from satuanak.halo.services import conversations_purge


class Command(BaseCommand):
    help = "Halo Remaja: hapus percakapan lewat masa simpan / purge conversations past retention"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser(
            "purge", help="hapus percakapan lewat masa simpan / delete conversations past retention"
        )
        purge.add_argument(
            "--dry-run", action="store_true", help="hanya daftar, tanpa menghapus / list only, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        ids = conversations_purge(dry_run=dry_run)
        days = retention_days()
        verb = "akan dihapus / would be purged" if dry_run else "dihapus / purged"
        self.stdout.write(f"{len(ids)} percakapan {verb} (masa simpan / retention {days} hari / days)")
        for conversation_id in ids:
            self.stdout.write(f"  #{conversation_id}")
