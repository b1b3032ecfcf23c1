"""Fixtures of the participation tests: a second Forum Anak reporter, desa inside and outside
kecamatan 61.07.01 (the area of the persona "ppa_sungai_raya"), and a report helper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from satuanak.partisipasi.models import Report
from satuanak.partisipasi.services import report_submit
from satuanak.regions.models import Desa


@pytest.fixture
def reporter2(personas: dict[str, Any]) -> Any:
    from satuanak.accounts.models import User

    return User.objects.create_user(
        username="forum_anak_2", password="unused-in-tests-123", role="public", area_level="district"
    )


@pytest.fixture
def desa_in(reference_data: None) -> Desa:
    return Desa.objects.filter(kecamatan__code="61.07.01").order_by("code").first()  # type: ignore[return-value]


@pytest.fixture
def desa_out(reference_data: None) -> Desa:
    return Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()  # type: ignore[return-value]


def at(day: str, hour: int = 9) -> datetime:
    """An aware datetime on a day in the district's time zone."""
    return timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))


@pytest.fixture
def submit(personas: dict[str, Any], desa_in: Desa) -> Callable[..., Report]:
    def make(
        report_type: str = "malnourished", *, by: Any = None, desa: Desa | None = None, **kw: Any
    ) -> Report:
        return report_submit(
            user=by or personas["publik"],
            report_type=report_type,
            desa_code=(desa or desa_in).code,
            description=kw.pop("description", "Anak tetangga tampak sangat kurus."),
            **kw,
        )

    return make
