"""The demo: Sungai Duri and Samalantan certified in 2024, the others at various stages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.facilities.models import HealthFacility
from satuanak.prap import selectors as sel
from satuanak.prap import states as s
from satuanak.prap.demo import prap_demo_load
from satuanak.prap.models import Assessment, Evidence, VoiceSurvey

pytestmark = pytest.mark.django_db


def test_demo_has_the_two_certified_and_is_idempotent(personas: dict[str, Any], _media_root: Any) -> None:
    first = prap_demo_load(reference_date=date(2024, 12, 31))
    assert (
        first["certified"] == 2 and first["submitted"] == 1 and first["returned"] == 1 and first["draft"] >= 3
    )
    counts = (Assessment.objects.count(), Evidence.objects.count(), VoiceSurvey.objects.count())
    second = prap_demo_load(reference_date=date(2024, 12, 31))
    assert (Assessment.objects.count(), Evidence.objects.count(), VoiceSurvey.objects.count()) == counts
    assert second["certified"] == 0 and second["surveys"] == 0
    certified = Assessment.objects.filter(state=s.CERTIFIED)
    assert {a.facility.name for a in certified} == {"Puskesmas Sungai Duri", "Puskesmas Samalantan"}
    assert all(a.certified_on and a.certified_on.year == 2024 for a in certified)
    assert set(HealthFacility.objects.filter(child_friendly=True).values_list("name", flat=True)) == {
        "Puskesmas Sungai Duri",
        "Puskesmas Samalantan",
    }
    states = {p.state for p in sel.prap_progress()}
    assert {s.CERTIFIED, s.SUBMITTED, s.RETURNED, s.DRAFT, sel.NOT_STARTED} <= states
    assert sel.prap_roadmap(date(2024, 12, 31)).current == 2
    assert all((_media_root / e.stored_name).is_file() for e in Evidence.objects.all())
    assert Evidence.objects.filter(content_type="image/png").exists()
    assert Evidence.objects.filter(content_type="application/pdf").exists()
    assert sel.prap_missing_items()  # the returned and draft ones miss something


def test_command_loads_the_standard_and_the_demo(personas: dict[str, Any], _media_root: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("prap", "load-standard", stdout=out)
    call_command("prap", "demo", "--reference-date", "2024-12-31", stdout=out)
    call_command("prap", "expire", "--today", "2024-12-31", stdout=out)
    text = out.getvalue()
    assert "16 butir" in text and "certified 2" in text and "expired: 0" in text
