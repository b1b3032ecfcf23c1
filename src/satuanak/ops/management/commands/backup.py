"""`satuanak backup`: one encrypted archive of the database, the media and the staging files.

    satuanak backup --new-key /root/satuanak-backup.key     make a key (once)
    satuanak backup [--out FOLDER/|FILE] [--key-file KEY] [--keep N] [--no-encrypt]

The key comes from --key-file or SATUANAK_BACKUP_KEY_FILE. Children's data is encrypted by
default: without a key the command refuses unless --no-encrypt is given. docs/backup-restore.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.ops import crypto
from satuanak.ops.backup import BackupError, as_command_error, backup_create, key_load, quiet, summary_lines


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise CommandError(f"--keep harus bilangan bulat ≥ 1 / --keep must be an integer ≥ 1: {text}")
    return value


class Command(BaseCommand):
    help = (
        "Cadangkan basis data, berkas media dan staging ke satu arsip terenkripsi / "
        "back up the database, media and staging files into one encrypted archive"
    )
    # A backup must run even on a machine whose deployment checks fail: that is when it matters.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            # str, not Path: a trailing slash is how a folder that does not exist yet is named.
            type=str,
            default=None,
            help="folder (berakhiran /, atau sudah ada) atau nama berkas arsip; bawaan var/backups/ / "
            "folder (ending in /, or existing) or archive file name; default var/backups/",
        )
        parser.add_argument(
            "--key-file",
            type=Path,
            default=None,
            help="berkas kunci / key file (or SATUANAK_BACKUP_KEY_FILE)",
        )
        parser.add_argument(
            "--no-encrypt",
            action="store_true",
            help="tulis arsip TANPA enkripsi (tidak disarankan) / "
            "write the archive UNENCRYPTED (not advised)",
        )
        parser.add_argument(
            "--new-key",
            type=Path,
            default=None,
            metavar="PATH",
            help="buat berkas kunci baru (0600, tidak menimpa) lalu keluar / "
            "write a new key file (mode 0600, never overwrites) and exit",
        )
        parser.add_argument(
            "--keep",
            type=_positive,
            default=None,
            metavar="N",
            help="simpan N arsip terbaru di folder tujuan, hapus yang lebih lama / "
            "keep the newest N archives in the out folder, delete older ones",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        if options["new_key"] is not None:
            try:
                new = crypto.key_file_write(options["new_key"])
            except crypto.KeyFileError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"Kunci baru / new key: {options['new_key']} (key id {crypto.key_fingerprint(new)})\n"
                "Simpan salinannya di luar server ini (cetak/USB di brankas kantor): tanpa kunci ini arsip "
                "tidak dapat dipulihkan. / Keep a copy off this server (printed/USB in the office safe): "
                "without this key no archive can be restored."
            )
            return
        if options["no_encrypt"] and options["key_file"] is not None:
            raise CommandError(
                "Pilih salah satu: --key-file atau --no-encrypt / choose one: --key-file or --no-encrypt"
            )
        try:
            key = None if options["no_encrypt"] else key_load(options["key_file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if key is None and not options["no_encrypt"]:
            raise CommandError(
                "Tidak ada kunci: berikan --key-file atau SATUANAK_BACKUP_KEY_FILE (buat dengan "
                "`satuanak backup --new-key PATH`), atau --no-encrypt secara eksplisit / no key: give "
                "--key-file or SATUANAK_BACKUP_KEY_FILE (make one with `satuanak backup --new-key PATH`), "
                "or --no-encrypt explicitly"
            )
        if key is None and verbosity > 0:
            self.stderr.write("peringatan / warning: arsip TIDAK terenkripsi / the archive is NOT encrypted")
        with as_command_error():
            result = backup_create(
                out=options["out"],
                key=key,
                keep=options["keep"],
                # Bars are for a person watching; a timer's journal gets the summary only.
                progress=verbosity > 1 or (verbosity > 0 and sys.stderr.isatty()),
                log=self.stderr.write if verbosity > 0 else quiet,
            )
        if verbosity > 0:
            for line in summary_lines(result):
                self.stdout.write(line)
