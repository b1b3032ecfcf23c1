"""`satuanak fhir export --user U (--child ID | --desa CODE) [--out FILE]` and
`satuanak fhir import FILE --user U`.

The command acts as the named user, with that user's role, area and audit trail: it is the
same export and import the API offers, not a way around the access rules. User errors end with a
message in Bahasa Indonesia and English and a non-zero exit (CommandError), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from satuanak.accounts.models import User
from satuanak.interop.fhir.mapping import FhirInputError


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(
            f"Pengguna tidak ditemukan atau tidak aktif / user not found or inactive: {username}"
        )
    return user


class Command(BaseCommand):
    help = "FHIR R4 (SATUSEHAT): ekspor bundle anak, impor pengukuran / export children, import measurements"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ex = sub.add_parser("export", help="bundle FHIR satu anak atau satu desa / one child or one desa")
        ex.add_argument("--user", required=True, help="nama pengguna / username (acts as this user)")
        which = ex.add_mutually_exclusive_group(required=True)
        which.add_argument("--child", type=int, help="ID anak / child id")
        which.add_argument("--desa", help="kode desa Kemendagri / desa code, e.g. 61.07.01.2001")
        ex.add_argument("--limit", type=int, default=100, help="anak per halaman / children per page")
        ex.add_argument("--offset", type=int, default=0)
        ex.add_argument("--out", type=Path, help="berkas JSON / JSON file (default: stdout)")
        im = sub.add_parser("import", help="impor Observation dari bundle / import a bundle's measurements")
        im.add_argument("file", type=Path, help="berkas JSON FHIR Bundle")
        im.add_argument("--user", required=True, help="nama pengguna / username (acts as this user)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options)
            else:
                self._import(options)
        except FhirInputError as exc:
            details = "".join(f"\n  - {json.dumps(d, ensure_ascii=False)}" for d in exc.details[:20])
            raise CommandError(f"{exc.message} [{exc.code}]{details}") from exc

    def _export(self, options: dict[str, Any]) -> None:
        from satuanak.interop.fhir.export import child_bundle, children_bundle

        user = _user(options["user"])
        if options["child"] is not None:
            try:
                bundle = child_bundle(user=user, child_id=options["child"])
            except Http404 as exc:
                raise CommandError(
                    f"Anak #{options['child']} tidak ditemukan atau di luar wilayah Anda / "
                    "child not found or outside your area"
                ) from exc
            summary = "1 anak / child"
        else:
            bundle, total = children_bundle(
                user=user, desa_code=options["desa"], limit=options["limit"], offset=options["offset"]
            )
            n = len(bundle.get("entry", []))
            summary = f"{n} dari {total} anak / {n} of {total} children (offset {options['offset']})"
        text = json.dumps(bundle, ensure_ascii=False, indent=2)
        if options["out"] is None:
            self.stdout.write(text)
            return
        try:
            options["out"].write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Tidak dapat menulis berkas / cannot write the file: {exc}") from exc
        self.stderr.write(f"{options['out']}: {summary}")

    def _import(self, options: dict[str, Any]) -> None:
        from satuanak.imports.models import ImportBatch
        from satuanak.interop.fhir.ingest import observation_bundle_import

        user = _user(options["user"])
        path: Path = options["file"]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"Berkas tidak ditemukan / file not found: {path}") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Berkas bukan JSON yang sah / the file is not valid JSON: {exc}") from exc
        result = observation_bundle_import(user=user, data=data)
        self.stdout.write(
            f"{path.name}: {result.entries_total} entri / entries -> {result.rows} baris e-PPGBM / rows,"
            f" {len(result.skipped)} dilewati / skipped"
        )
        failed = 0
        for b in result.batches:
            failed += b.status == ImportBatch.Status.FAILED
            self.stdout.write(
                f"batch #{b.pk} {b.get_status_display()}: {b.rows_in} baris / rows = {b.accepted} diterima /"
                f" accepted + {b.rejected} ditolak / rejected (baru {b.inserted}, diperbarui {b.updated},"
                f" sama {b.unchanged})"
            )
            if b.message:
                self.stdout.write(f"  {b.message}")
            for row, column, message in b.issues.filter(severity="error").values_list(
                "row_number", "column", "message"
            )[:50]:
                self.stdout.write(f"  baris / row {row} {column}: {message}")
        for s in result.skipped:
            self.stdout.write(
                f"  entri / entry {s.index} ({s.resource_type}): {s.message_id} / {s.message_en}"
            )
        if failed:
            raise CommandError(f"{failed} batch gagal / failed")
