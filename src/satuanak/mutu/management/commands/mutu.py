"""`satuanak mutu recompute`: measurement quality, coverage and the three stunting rates (a rerun
of the stage, after the flags)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from satuanak.mutu.selectors import attention_list, side_by_side


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Tanggal tidak sah (TTTT-BB-HH) / invalid date (YYYY-MM-DD): {text}") from None


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.1%}"


class Command(BaseCommand):
    help = "Mutu data pengukuran dan cakupan penimbangan / measurement quality and weighing coverage"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("recompute", help="hitung ulang / recompute")
        run.add_argument("--as-of", type=_date, default=None, help="tanggal acuan / reference date")
        run.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from satuanak.mutu.services import mutu_recompute

        bar = None if options["quiet"] else tqdm(total=100, desc="mutu data / quality", unit="%", leave=False)
        last = 0

        def progress(stage: str, pct: int) -> None:
            nonlocal last
            if bar is not None:
                bar.set_postfix_str(stage[:30])
                bar.update(max(pct - last, 0))
            last = max(last, pct)

        run = mutu_recompute(as_of=options["as_of"], progress=progress)
        if bar is not None:
            bar.close()
        s = run.stats
        self.stdout.write(
            f"Mutu #{run.pk} selesai dalam {s['seconds']} s: {s['measurements']} pengukuran / "
            f"measurements, {s['results']} hasil pemeriksaan / check results ({s['fail']} gagal / "
            f"failed), {s['periods']} triwulan / quarters"
        )
        rows = side_by_side()
        if rows:
            self.stdout.write(
                f"  {'wilayah / area':26} {'timbang':>7} {'cakupan':>7} {'+mutu':>7} {'survei':>7}"
                f"  ({rows[0].period})"
            )
        for a in rows[:1] + [r for r in rows if r.level == "kecamatan"][:17]:
            self.stdout.write(
                f"  {a.name[:26]:26} {_pct(a.weighed[0])} {_pct(a.adjusted[0])} {_pct(a.quality[0])} "
                f"{_pct(a.survey.value if a.survey else None)}"
            )
        if rows:
            top = attention_list(rows[0].period, limit=5)
            if top:
                self.stdout.write("Posyandu yang paling perlu perhatian / posyandu needing attention most:")
            for t in top:
                readings = "; ".join(t.readings_id)[:120]
                self.stdout.write(f"  {t.group.name[:40]:40} skor {t.score}: {readings}")
