"""`satuanak openapi_schema [--out FILE]`: the API's OpenAPI description, as committed in
docs/api/openapi.json (a test fails when the two differ: `make openapi` rewrites the file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from satuanak.interop.api import api


def schema_text() -> str:
    return json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Tulis deskripsi OpenAPI / write the OpenAPI description"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        text = schema_text()
        if opts["out"]:
            Path(opts["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"ditulis / written: {opts['out']}")
        else:
            self.stdout.write(text, ending="")
