"""Fixtures of the referral tests: units loaded after the demo agencies, attachments stored in
a folder of each test's own, two children (one in Puskesmas Sungai Duri's area, one not)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def units(personas: dict[str, Any]) -> dict[str, int]:
    from satuanak.referrals.services import service_units_load

    return service_units_load()


@pytest.fixture
def children(reference_data: None) -> dict[str, Any]:
    sungai_duri = Desa.objects.get(code="61.07.01.2001")
    elsewhere = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    return {
        "here": ChildFactory.create(desa=sungai_duri, birth_date=date(2022, 5, 1), name="ANAK RUJUKAN SINI"),
        "there": ChildFactory.create(desa=elsewhere, birth_date=date(2022, 5, 1), name="ANAK RUJUKAN SANA"),
    }
