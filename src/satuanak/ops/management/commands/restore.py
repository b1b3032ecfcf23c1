"""`satuanak restore ARCHIVE`: put a `satuanak backup` archive back, verified before and after.

    satuanak restore ARCHIVE [--key-file KEY] [--force] [--migrate]
    satuanak restore ARCHIVE --check          verify only (an off-site copy, say); changes nothing

Every checksum in the archive is verified before anything is touched; a target that already
holds data is refused unless --force; afterwards every table is compared with the manifest.
docs/backup-restore.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satuanak.ops.backup import as_command_error, key_load, quiet, restore_run, summary_lines


class Command(BaseCommand):
    help = (
        "Pulihkan platform dari arsip `satuanak backup` / "
        "restore the platform from a `satuanak backup` archive"
    )
    # A fresh machine restoring its data may not pass every deployment check yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="berkas arsip / archive file")
        parser.add_argument(
            "--key-file",
            type=Path,
            default=None,
            help="berkas kunci / key file (or SATUANAK_BACKUP_KEY_FILE)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="timpa basis data dan folder yang sudah berisi data (folder dan berkas SQLite lama "
            "disisihkan) / replace a target that already holds data "
            "(old folders and SQLite file are set aside)",
        )
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="jalankan migrate bila arsip lebih lama dari kode / "
            "run migrate when the archive is older than the code",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="hanya periksa arsip (kunci, keutuhan, checksum); tidak mengubah apa pun / "
            "only verify the archive (key, integrity, checksums); changes nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        with as_command_error():
            result = restore_run(
                archive=options["archive"],
                key=key_load(options["key_file"]),
                force=options["force"],
                migrate=options["migrate"],
                check_only=options["check"],
                progress=verbosity > 1 or (verbosity > 0 and sys.stderr.isatty()),
                log=self.stderr.write if verbosity > 0 else quiet,
            )
        if verbosity > 0:
            for line in summary_lines(result):
                self.stdout.write(line)
