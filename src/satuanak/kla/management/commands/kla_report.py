"""`satuanak kla_report --quarter 2024Q4 --out DIR`: the task force's quarterly report as
laporan-kla-2024Q4.pdf and laporan-kla-2024Q4.xlsx, with the figures as of the quarter's end."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from satuanak.kla.report import QuarterError, quarter_parse, report_build, report_filename


class Command(BaseCommand):
    help = "Laporan triwulanan KLA (PDF dan Excel) / KLA quarterly report (PDF and Excel)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="triwulan / quarter, e.g. 2024Q4")
        parser.add_argument("--out", default=".", help="folder tujuan / output folder (default: .)")
        parser.add_argument("--quiet", action="store_true", help="tanpa baris kemajuan / no progress line")

    def handle(self, *args: Any, **options: Any) -> None:
        from satuanak.kla.report_pdf import report_pdf
        from satuanak.kla.report_xlsx import report_xlsx
        from satuanak.kla.selectors import KlaError

        try:
            quarter, _, _ = quarter_parse(options["quarter"])
        except QuarterError as exc:
            raise CommandError(str(exc)) from None
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        quiet = options["quiet"]
        started = time.monotonic()
        steps = [
            "skor / scorecard",
            "tren / trends",
            "peta / maps",
            "program / programmes",
            "rujukan / referrals",
            "PDF",
            "Excel",
        ]

        def progress(stage: str) -> None:
            if quiet:
                return
            n = steps.index(stage) + 1 if stage in steps else 0
            # one line, rewritten in place (like tqdm's), ended by the summary below
            sys.stderr.write(f"\rlaporan KLA {quarter}: [{n}/{len(steps)}] {stage:<24}")
            sys.stderr.flush()

        try:
            report = report_build(quarter=quarter, progress=progress)
        except KlaError as exc:
            raise CommandError(str(exc)) from None
        progress("PDF")
        pdf_path = out / report_filename(quarter, "pdf")
        pdf_path.write_bytes(report_pdf(report))
        progress("Excel")
        xlsx_path = out / report_filename(quarter, "xlsx")
        xlsx_path.write_bytes(report_xlsx(report))
        if not quiet:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Laporan KLA {quarter} dalam {time.monotonic() - started:.1f} s / KLA report: {pdf_path} "
            f"({pdf_path.stat().st_size // 1024} kB), {xlsx_path} ({xlsx_path.stat().st_size // 1024} kB); "
            f"skor perkiraan / estimated score {report.scorecard.total:.2f} ({report.scorecard.category})"
        )
