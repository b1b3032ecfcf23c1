"""`satuanak lapangan purge-photos [--days 30] [--dry-run]`: delete document photos a phone
uploaded for a record that never arrived (the phone was lost, wiped or re-registered before
sending it). A photo is personal data: it is not kept waiting for ever. Run it daily (cron or a
systemd timer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satuanak.lapangan.services import stale_attachments_remove


class Command(BaseCommand):
    help = "Aplikasi lapangan: hapus foto yatim / field app: delete orphaned photos"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        purge = sub.add_parser(
            "purge-photos", help="hapus foto tanpa catatan / delete photos no record came for"
        )
        purge.add_argument("--days", type=int, default=30, help="umur minimum (hari) / minimum age (days)")
        purge.add_argument(
            "--dry-run",
            action="store_true",
            help="hanya hitung, tanpa menghapus / count only, delete nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = max(1, int(options["days"]))
        dry_run = bool(options["dry_run"])
        count = stale_attachments_remove(older_than=timedelta(days=days), dry_run=dry_run)
        verb = "akan dihapus / would be deleted" if dry_run else "dihapus / deleted"
        self.stdout.write(f"{count} foto {verb} (lebih dari / older than {days} hari / days)")
