"""`satuanak import --source eppgbm FILE…`: load agencies' exports, with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from satuanak.core.sources import Source
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_batches_mark_interrupted, import_file_run


class Command(BaseCommand):
    help = (
        "Impor berkas ekspor sumber / import source exports (SIAK, e-PPGBM, imunisasi, KIA, DAPODIK, SIMFONI)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", required=True, choices=[s.value for s in Source], help="sistem sumber / source system"
        )
        parser.add_argument("files", nargs="+", type=Path, help="berkas CSV/XLSX/XLS")
        parser.add_argument("--sheet", default=None, help="nama sheet (bawaan: sheet pertama) / sheet name")
        parser.add_argument("--quiet", action="store_true", help="tanpa bilah kemajuan / no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["files"]
        for path in files:
            if not path.is_file():
                raise CommandError(f"Berkas tidak ditemukan / file not found: {path}")
        import_batches_mark_interrupted()
        source = Source(options["source"])
        failed = 0
        for path in files:
            bar = None if options["quiet"] else tqdm(total=100, desc=path.name[:40], unit="%", leave=False)
            last = 0

            def progress(stage: str, pct: int, bar: Any = bar) -> None:
                nonlocal last
                if bar is not None:
                    bar.set_postfix_str(stage[:30])
                    bar.update(max(pct - last, 0))
                last = max(last, pct)

            batches = import_file_run(source=source, path=path, sheet=options["sheet"], progress=progress)
            if bar is not None:
                bar.close()
            for b in batches:
                failed += b.status == ImportBatch.Status.FAILED
                self.stdout.write(
                    f"{path.name} [{b.adapter or b.source}] batch #{b.pk} {b.get_status_display()}: "
                    f"{b.rows_in} baris / rows = {b.accepted} diterima / accepted"
                    f" + {b.rejected} ditolak / rejected (baru {b.inserted}, diperbarui {b.updated},"
                    f" sama {b.unchanged}; peringatan {b.warnings})"
                )
                if b.message:
                    self.stdout.write(f"  {b.message}")
        if failed:
            raise CommandError(f"{failed} batch gagal / failed; lihat pesan di atas / see the messages above")
