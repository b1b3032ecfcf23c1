"""Per-source adapters of the import stage: headers, typing and vectorised row validation.

Pure Python + polars: no Django (the Django import app calls `adapter.validate(raw, ref=..., today=...)`).
"""

from __future__ import annotations

from collections.abc import Sequence

from satuanak.core.sources import Source
from satuanak.sources.base import (
    ColumnSpec,
    HeaderError,
    HeaderMatch,
    Kind,
    PersonKeySpec,
    SourceAdapter,
    ValidationResult,
)
from satuanak.sources.dapodik.columns import ADAPTER as DAPODIK
from satuanak.sources.eppgbm.columns import ADAPTER as EPPGBM
from satuanak.sources.imunisasi.columns import ADAPTER as IMUNISASI
from satuanak.sources.kia.columns import KEHAMILAN as KIA_KEHAMILAN
from satuanak.sources.kia.columns import PERSALINAN as KIA_PERSALINAN
from satuanak.sources.reference import ReferenceData
from satuanak.sources.siak.columns import ADAPTER as SIAK
from satuanak.sources.simfoni.columns import ADAPTER as SIMFONI

ADAPTERS: dict[str, SourceAdapter] = {
    a.name: a for a in (SIAK, EPPGBM, IMUNISASI, KIA_KEHAMILAN, KIA_PERSALINAN, DAPODIK, SIMFONI)
}


def adapters_for(source: Source) -> list[SourceAdapter]:
    return [a for a in ADAPTERS.values() if a.source == source]


def guess_adapter(headers: Sequence[str]) -> SourceAdapter | None:
    from satuanak.sources.base import guess_adapter as _guess

    return _guess(headers)


__all__ = [
    "ADAPTERS",
    "ColumnSpec",
    "HeaderError",
    "HeaderMatch",
    "Kind",
    "PersonKeySpec",
    "ReferenceData",
    "SourceAdapter",
    "ValidationResult",
    "adapters_for",
    "guess_adapter",
]
