"""The demo loader makes a running programme through the services, and a second call adds nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.gesit.demo import gesit_demo_load
from satuanak.gesit.models import Baas, BaasAssignment, PmtDelivery, ProsasaEntry
from satuanak.gesit.tests.conftest import flag
from satuanak.interventions.models import Intervention
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

REFERENCE = date(2024, 12, 31)


@pytest.mark.django_db
def test_demo_programme_is_made_once(personas: dict[str, Any], area: dict[str, Any]) -> None:
    # more stunted children in both kecamatan than one BAAS takes
    for i, desa in enumerate(
        Desa.objects.filter(kecamatan__code__in=["61.07.01", "61.07.02"]).order_by("code")[:12]
    ):
        for j in range(3):
            flag(ChildFactory.create(desa=desa, birth_date=date(2022, 3, 1 + j)), haz=-2.1 - 0.1 * (i + j))
    born_late = ChildFactory.create(
        desa=area["desa"]["sd"], birth_date=date(2024, 12, 20)
    )  # after every demo start
    flag(born_late, haz=-3.5)

    first = gesit_demo_load(reference_date=REFERENCE, kecamatan_codes=("61.07.01", "61.07.02"))
    assert first["baas"] == Baas.objects.count() == 8
    assert first["assignments"] == BaasAssignment.objects.count() > 10
    assert first["deliveries"] == PmtDelivery.objects.count() > first["assignments"]
    assert first["prosasa_entries"] == ProsasaEntry.objects.count() > 0
    assert Baas.objects.filter(kind="company").count() == 2
    # every assignment went through the services: confirmed, with its PMT intervention
    assert Intervention.objects.filter(programme="GESIT", kind="pmt").count() == first["assignments"]
    assert not BaasAssignment.objects.exclude(status="confirmed").exists()
    # some mid-way, some past their 100 days; nobody twice; nobody before birth
    ends = list(BaasAssignment.objects.values_list("end_date", flat=True))
    assert any(e >= REFERENCE for e in ends) and any(e < REFERENCE for e in ends)
    children = list(BaasAssignment.objects.values_list("child_id", flat=True))
    assert len(children) == len(set(children)) and born_late.pk not in children
    # weekly deliveries, none after the reference date or outside the 100 days
    for a in BaasAssignment.objects.all():
        days = sorted(a.deliveries.values_list("delivered_on", flat=True))
        assert days and days[0] == a.start_date and days[-1] <= min(a.end_date, REFERENCE)
        assert all((b - c).days == 7 for b, c in zip(days[1:], days[:-1], strict=False))
    # deliveries in Sungai Duri's area are logged by its cadre
    assert PmtDelivery.objects.filter(delivered_by=personas["kader_sungai_duri"]).exists()

    before = (
        Baas.objects.count(),
        BaasAssignment.objects.count(),
        PmtDelivery.objects.count(),
        ProsasaEntry.objects.count(),
        Intervention.objects.count(),
    )
    second = gesit_demo_load(reference_date=REFERENCE, kecamatan_codes=("61.07.01", "61.07.02"))
    assert second == {"baas": 0, "assignments": 0, "deliveries": 0, "prosasa_entries": 0}
    assert (
        Baas.objects.count(),
        BaasAssignment.objects.count(),
        PmtDelivery.objects.count(),
        ProsasaEntry.objects.count(),
        Intervention.objects.count(),
    ) == before
