"""The demo loader: past visits in the border kecamatan and a confirmed plan, once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.jempol.demo import BORDER_KECAMATAN, jempol_demo_load
from satuanak.jempol.models import OutreachPlan, PlannedVisit, Visit
from satuanak.jempol.tests.conftest import aggregate
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db
REFERENCE = date(2024, 12, 31)


@pytest.fixture
def district_gaps(reference_data: None) -> None:
    """A gap in every desa, larger in the border kecamatan, from the code (deterministic)."""
    for i, d in enumerate(Desa.objects.select_related("kecamatan").order_by("code")):
        border = d.kecamatan.name in BORDER_KECAMATAN
        akta = (i * 7) % 23 + (30 if border else 0)
        aggregate("no_akta", d.code, akta, 300)
        aggregate("no_kia", d.code, (i * 5) % 17, 300)


def test_demo_loads_once(district_gaps: None, personas: dict[str, Any]) -> None:
    first = jempol_demo_load(reference_date=REFERENCE)
    assert first == {"visits": 4, "plans": 1, "planned_visits": 12}
    plan = OutreachPlan.objects.get()
    assert (plan.quarter, plan.status, plan.visit_days) == ("2025Q1", "confirmed", 12)
    visits = list(Visit.objects.select_related("desa__kecamatan"))
    assert all(v.desa.kecamatan.name in BORDER_KECAMATAN for v in visits)
    assert {f"{v.date.year}Q{(v.date.month - 1) // 3 + 1}" for v in visits} == {"2024Q3", "2024Q4"}
    assert all(v.documents_issued > 0 and v.before_period == "2024Q4" for v in visits)
    # The desa just visited are not first in the next quarter's plan.
    first_planned = PlannedVisit.objects.filter(plan=plan).order_by("order").first()
    assert first_planned is not None and first_planned.desa_id not in {v.desa_id for v in visits}
    second = jempol_demo_load(reference_date=REFERENCE)
    assert second == {"visits": 0, "plans": 0, "planned_visits": 0}
    assert (
        Visit.objects.count() == 4
        and OutreachPlan.objects.count() == 1
        and PlannedVisit.objects.count() == 12
    )


def test_demo_without_flags_plans_nothing(reference_data: None, personas: dict[str, Any]) -> None:
    assert jempol_demo_load(reference_date=REFERENCE) == {"visits": 0, "plans": 0, "planned_visits": 0}
    assert not OutreachPlan.objects.exists()
