"""Fixtures of the REMAJA tests: a fixed today (31 Dec 2024), the PKPR standard loaded, girls in
Sungai Duri's service area (kec. Sungai Raya) and in Samalantan, and schools of each."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

TODAY = date(2024, 12, 31)


@pytest.fixture(autouse=True)
def _today(settings: Any) -> date:
    settings.SATUANAK_TODAY = TODAY
    return TODAY


@pytest.fixture
def standard(reference_data: None) -> Any:
    from satuanak.remaja.services import pkpr_standard_load

    return pkpr_standard_load()


@pytest.fixture
def sungai_duri_desa(reference_data: None) -> Any:
    from satuanak.regions.models import Desa

    return Desa.objects.get(code="61.07.01.2001")


@pytest.fixture
def samalantan_desa(reference_data: None) -> Any:
    from satuanak.regions.models import Desa

    return Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()


@pytest.fixture
def girl(sungai_duri_desa: Any) -> Any:
    """A 13-year-old girl in Sungai Duri (Puskesmas Sungai Duri's area)."""
    from satuanak.persons.tests.factories import ChildFactory

    return ChildFactory.create(
        desa=sungai_duri_desa, sex="P", birth_date=date(2011, 5, 10), name="PUTRI DURI"
    )


@pytest.fixture
def girl_samalantan(samalantan_desa: Any) -> Any:
    from satuanak.persons.tests.factories import ChildFactory

    return ChildFactory.create(
        desa=samalantan_desa, sex="P", birth_date=date(2008, 3, 2), name="PUTRI SAMALANTAN"
    )


@pytest.fixture
def smp_sungai_raya(reference_data: None) -> Any:
    from satuanak.facilities.models import School

    return School.objects.filter(level="SMP", kecamatan__code="61.07.01").order_by("npsn").first()


@pytest.fixture
def smp_samalantan(reference_data: None) -> Any:
    from satuanak.facilities.models import School

    return School.objects.filter(level="SMP", kecamatan__code="61.07.02").order_by("npsn").first()


@pytest.fixture
def sungai_duri(reference_data: None) -> Any:
    from satuanak.facilities.models import HealthFacility

    return HealthFacility.objects.get(name="Puskesmas Sungai Duri")


@pytest.fixture
def samalantan(reference_data: None) -> Any:
    from satuanak.facilities.models import HealthFacility

    return HealthFacility.objects.get(name="Puskesmas Samalantan")
