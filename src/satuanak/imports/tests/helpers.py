"""Importing a generated district's exports through the real service (for tests of the stages
after imports). The generator writes each source's files under exports/<source value>/."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from satuanak.core.sources import Source
from satuanak.imports.services import import_file_run


def import_exports(district: Path, sources: Iterable[Source] = tuple(Source)) -> None:
    for source in sources:
        for path in sorted((district / "exports" / source.value).iterdir()):
            import_file_run(source=source, path=path)
