"""`satuanak kla load-indicators | demo --reference-date D | score --period 2024Q4`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "KLA: muat set indikator, data demo, skor / load the indicator set, the demo, the score"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-indicators", help="data/kla/indicators_v1.json (idempotent)")
        demo = sub.add_parser("demo", help="the indicator set and entered values with evidence")
        demo.add_argument("--reference-date", type=date.fromisoformat, required=True)
        sc = sub.add_parser("score", help="the estimated score of a period")
        sc.add_argument("--period", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from satuanak.kla.services import kla_indicators_load

        action = options["action"]
        if action == "load-indicators":
            s = kla_indicators_load()
            self.stdout.write(f"Indikator KLA v{s.version}: {s.indicators.count()} indikator / indicators")
        elif action == "demo":
            from satuanak.kla.demo import kla_demo_load

            counts = kla_demo_load(reference_date=options["reference_date"])
            self.stdout.write("KLA demo: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        else:
            from satuanak.kla.selectors import kla_scorecard

            card = kla_scorecard(period=options["period"])
            self.stdout.write(
                f"{card.period} v{card.version}: {card.total:.2f} {card.category} "
                f"(gap to 801: {card.gap_to_utama:.2f}) - {card.statement_en}"
            )
