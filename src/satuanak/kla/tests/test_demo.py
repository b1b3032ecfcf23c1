from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.kla.demo import DEMO_VALUES, kla_demo_load
from satuanak.kla.models import EnteredValue, IndicatorSet, ValueEvidence
from satuanak.kla.selectors import kla_scorecard

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_feeds_the_scorecard(personas: dict[str, Any], media: Any) -> None:
    first = kla_demo_load(reference_date=date(2025, 2, 1))
    assert first["periods"] == "2024Q3,2024Q4" and first["values"] == 2 * len(DEMO_VALUES)
    again = kla_demo_load(reference_date=date(2025, 2, 1))
    assert again["values"] == 0 and IndicatorSet.objects.count() == 1
    assert EnteredValue.objects.count() == 2 * len(DEMO_VALUES) == ValueEvidence.objects.count()
    card = kla_scorecard(period="2024Q4")
    assert card.by_code("K-02").value == 75 and card.by_code("K-02").source == "entered"  # type: ignore[union-attr]
    assert card.total > kla_scorecard(period="2024Q3").total > 0
