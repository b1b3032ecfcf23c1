"""`satuanak flags recompute|load-rules`: the risk flags and aggregates, a rerun of the stage."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from satuanak.flags.models import DesaHotspot
from satuanak.flags.services import district_summary, flag_rules_load, flags_recompute
from satuanak.regions.models import Desa


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Tanggal tidak sah (TTTT-BB-HH) / invalid date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = "Penanda risiko per anak dan agregat per desa / risk flags per child and aggregates per desa"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("recompute", help="hitung ulang semua / recompute everything")
        run.add_argument(
            "--as-of", type=_date, default=None, help="tanggal acuan / reference date (default: today)"
        )
        run.add_argument("--quiet", action="store_true")
        sub.add_parser("load-rules", help="muat aturan bawaan / load the shipped rules")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load-rules":
            self.stdout.write(f"{flag_rules_load()} aturan baru / new rules")
            return
        bar = None if options["quiet"] else tqdm(total=100, desc="penanda / flags", unit="%", leave=False)
        last = 0

        def progress(stage: str, pct: int) -> None:
            nonlocal last
            if bar is not None:
                bar.set_postfix_str(stage[:30])
                bar.update(max(pct - last, 0))
            last = max(last, pct)

        run = flags_recompute(as_of=options["as_of"], progress=progress)
        if bar is not None:
            bar.close()
        self.stdout.write(
            f"Penanda #{run.pk} selesai dalam {run.stats['seconds']} s: {run.stats['children']} anak, "
            f"{run.stats['flag_rows']} hasil aturan / rule results, {run.stats['hotspots']} desa hotspot"
            " (triwulan terakhir / latest quarter)"
        )
        for row in district_summary():
            ci = f"[{row['ci_low']:.1%}, {row['ci_high']:.1%}]" if row["ci_low"] is not None else ""
            self.stdout.write(
                f"  {row['code']:24} {row['period']}  {row['numerator']:>6}/{row['denominator']:<6} "
                f"{row['rate']:6.1%} {ci:18} tidak dapat dinilai / not assessable {row['not_assessable']}"
                + (f"  · {row['survey']}" if row["survey"] else "")
            )
        latest = DesaHotspot.objects.order_by("-period").values_list("period", flat=True).first()
        if latest:
            names = dict(Desa.objects.values_list("code", "name"))
            hot = DesaHotspot.objects.filter(period=latest, classification="hot").order_by("-gi_star_z")
            self.stdout.write(f"Kantong kerentanan / hotspots {latest} (Gi* p < 0,05): {hot.count()} desa")
            for h in hot[:8]:
                self.stdout.write(
                    f"  {h.desa_code} {names.get(h.desa_code, '')}: indeks {h.index:+.2f}, "
                    f"Gi* z {h.gi_star_z:+.2f}, p {h.p_value:.3f}"
                )
