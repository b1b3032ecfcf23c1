from __future__ import annotations

from typing import Any

import pytest

from satuanak.kla.models import IndicatorSet
from satuanak.kla.services import kla_indicators_load

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


@pytest.fixture
def kla_set(db: None) -> IndicatorSet:
    return kla_indicators_load()


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
