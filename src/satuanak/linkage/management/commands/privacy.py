"""`satuanak privacy encode|new-key|key-id`: the agency's side of hashed matching.

An agency that may not hand over names and NIKs in clear encodes its export on its own machine
with the key the platform gave it, and sends the encoded file; the platform links it with
`satuanak linkage link-encoded` (linkage/encoded.py explains both sides).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from satuanak.linkage.encoded import (
    KEY_FILE_SETTING,
    EncodedError,
    encoded_file_write,
    linkage_key_new,
    linkage_key_path,
    linkage_key_read,
    linkage_key_readable_by_others,
)
from satuanak.linkage.privacy import key_id
from satuanak.sources import ADAPTERS


def load_key(option: Path | None, out: Any) -> bytes:
    """The key from --key-file or the setting; a bilingual CommandError when there is none."""
    try:
        path = linkage_key_path(option)
        key = linkage_key_read(path)
    except EncodedError as exc:
        raise CommandError(exc.message) from None
    if linkage_key_readable_by_others(path):
        out.write(
            f"Peringatan: berkas kunci dapat dibaca pengguna lain (chmod 600 {path}) / warning: the key "
            "file is readable by other users"
        )
    return key


class Command(BaseCommand):
    help = "Pencocokan tanpa data terbuka / privacy-preserving matching: encode an export, manage the key"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        enc = sub.add_parser(
            "encode",
            help="kode ekspor instansi (CSV/XLSX) menjadi token / encode an agency's export into tokens",
        )
        enc.add_argument("input", type=Path, help="ekspor terbuka instansi / the agency's clear export")
        enc.add_argument("output", type=Path, help="berkas CSV terenkode / the encoded CSV to write")
        enc.add_argument(
            "--key-file", type=Path, default=None, help=f"berkas kunci / key file (or {KEY_FILE_SETTING})"
        )
        enc.add_argument(
            "--key-id", default=None, help="label kunci (mis. bkl-2025) / the key's label (e.g. bkl-2025)"
        )
        enc.add_argument(
            "--keep",
            action="append",
            default=[],
            metavar="COL",
            help="kolom muatan yang ikut dikirim (berulang) / a payload column to pass on (repeatable)",
        )
        enc.add_argument(
            "--format",
            choices=sorted(ADAPTERS),
            default=None,
            help="format sumber (bawaan: dikenali dari kolom) / source format (default: from the headers)",
        )
        enc.add_argument("--sheet", default=None, help="nama sheet (Excel) / sheet name")
        new = sub.add_parser("new-key", help="buat kunci acak baru / write a new random key")
        new.add_argument("path", type=Path)
        kid = sub.add_parser("key-id", help="tampilkan id kunci / print the key's id")
        kid.add_argument("--key-file", type=Path, default=None)
        kid.add_argument("--key-id", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "new-key":
            try:
                kid = linkage_key_new(options["path"])
            except EncodedError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(
                f"Kunci baru / new key: {options['path']} (id {kid}). Simpan di luar basis data, kirim ke "
                "instansi lewat saluran aman / keep it outside the database, hand it to agencies over a "
                "secure channel."
            )
            return
        key = load_key(options["key_file"], self.stderr)
        if action == "key-id":
            self.stdout.write(key_id(key, options["key_id"]))
            return
        self._encode(options, key)

    def _encode(self, options: dict[str, Any], key: bytes) -> None:
        source: Path = options["input"]
        if not source.is_file():
            raise CommandError(f"Berkas tidak ditemukan / file not found: {source}")
        try:
            s = encoded_file_write(
                path=source,
                out=options["output"],
                key=key,
                key_label=options["key_id"],
                keep=options["keep"],
                fmt=options["format"],
                sheet=options["sheet"],
                today=timezone.localdate(),
            )
        except EncodedError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{source.name} [{s.adapter}, judul kolom di baris / header on row {s.header_row}]: "
            f"{s.rows} baris / rows = {s.encoded} dikode / encoded + {s.refused} ditolak / refused "
            f"-> {s.out} (kunci / key {s.key_id})"
        )
        if s.refused_by_code:
            listed = ", ".join(f"{k} {v}" for k, v in s.refused_by_code.items())
            self.stdout.write(f"  alasan penolakan / refused for: {listed}")
        if s.kept:
            self.stdout.write(f"  kolom muatan / payload columns: {', '.join(s.kept)}")
