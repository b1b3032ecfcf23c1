"""`satuanak prap load-standard | demo --reference-date D | expire [--today D]`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satuanak.common import clock


class Command(BaseCommand):
    help = "PRAP: muat standar, data demo, kedaluwarsa sertifikat / load the standard, the demo, expire"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-standard", help="data/prap/standard_v1.json (idempotent)")
        demo = sub.add_parser("demo", help="Sungai Duri and Samalantan certified, others at various stages")
        demo.add_argument("--reference-date", type=date.fromisoformat, required=True)
        expire = sub.add_parser("expire", help="certified past their validity -> expired (run daily)")
        expire.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        from satuanak.prap.demo import prap_demo_load
        from satuanak.prap.services import prap_certifications_expire, prap_standard_load

        action = options["action"]
        if action == "load-standard":
            version = prap_standard_load()
            self.stdout.write(f"Standar PRAP v{version.number}: {version.items.count()} butir / items")
        elif action == "demo":
            counts = prap_demo_load(reference_date=options["reference_date"])
            self.stdout.write("PRAP demo: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        else:
            n = prap_certifications_expire(today=options["today"] or clock.today())
            self.stdout.write(f"Sertifikat kedaluwarsa / expired: {n}")
