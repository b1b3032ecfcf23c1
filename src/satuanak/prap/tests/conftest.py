"""Fixtures of the PRAP tests: evidence stored in each test's own folder, the shipped standard
loaded, and a staff user of Puskesmas Ledo (not certified in the reference data), whose
checklist the tests walk; `pkm_sungai_duri` is the staff of another puskesmas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@dataclass
class RawFile:
    """A plain file object (an API or sync client's upload): its name is kept as given."""

    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, size: int = -1, /) -> bytes:
        return self.data if size < 0 else self.data[:size]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


@pytest.fixture
def png() -> bytes:
    from satuanak.prap.demo import demo_png

    return demo_png("uji / test")


@pytest.fixture
def standard(reference_data: None) -> Any:
    from satuanak.prap.services import prap_standard_load

    return prap_standard_load()


@pytest.fixture
def ledo(reference_data: None) -> Any:
    from satuanak.facilities.models import HealthFacility

    return HealthFacility.objects.get(name="Puskesmas Ledo")


@pytest.fixture
def staff(personas: dict[str, Any], ledo: Any) -> Any:
    from satuanak.accounts.models import Agency, User

    user = User.objects.create_user(
        username="pkm_ledo", password="unused-in-tests-123", role="puskesmas_staff", area_level="desa"
    )
    user.agency = Agency.objects.get(health_facility=ledo)
    user.save()
    user.area_desa.set(ledo.service_area.all())
    return user
