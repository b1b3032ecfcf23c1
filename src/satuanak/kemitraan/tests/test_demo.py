"""The demo: IKM in two quarters (one puskesmas with too few respondents), five APSAI members with
partial deliveries, funding planned and spent; a second load adds nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.kemitraan.demo import kemitraan_demo_load
from satuanak.kemitraan.models import Company, FundingEntry, IkmBaseline
from satuanak.kemitraan.selectors import ikm_scores, partnership_figures

pytestmark = pytest.mark.django_db
REFERENCE = date(2024, 12, 20)


def test_demo_loads_once(reference_data: None, personas: dict[str, Any]) -> None:
    counts = kemitraan_demo_load(reference_date=REFERENCE)
    assert counts["ikm_responses"] > 300
    assert counts["apsai_companies"] == 5
    assert counts["funding_entries"] > 0
    assert IkmBaseline.objects.count() == counts["ikm_baselines"] == 4
    scored = [s for s in ikm_scores(period="2024Q4") if s.respondents]
    assert len(scored) == 5
    assert sum(1 for s in scored if not s.enough) == 1  # the puskesmas with too few respondents
    assert all(s.target is not None for s in scored if s.enough)
    met = [s.meets_target for s in scored if s.enough]
    assert True in met and False in met  # some points meet the +15% target, some not yet
    assert {s.category for s in scored if s.enough} <= {"A", "B", "C", "D"}
    q3 = [s for s in ikm_scores(period="2024Q3") if s.respondents]
    assert len(q3) == 5
    figures = partnership_figures(period="2024Q4")
    delivered, committed, _ = figures["apsai_delivered"]
    assert 0 < delivered < committed
    spent, planned, as_of = figures["funding_spent"]
    assert 0 < spent < planned and as_of == date(2024, 12, 31)
    assert FundingEntry.objects.filter(entered_by=personas["bappeda"]).count() == counts["funding_entries"]
    again = kemitraan_demo_load(reference_date=REFERENCE)
    assert set(again.values()) == {0}
    assert Company.objects.count() == 5
