"""The platform's today: the real date unless the settings fix one (the demo's date)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from satuanak.common.clock import today


def test_today_is_the_real_date_by_default(settings: Any) -> None:
    settings.SATUANAK_TODAY = None
    assert today() == timezone.localdate()


def test_a_demo_fixes_today(settings: Any) -> None:
    settings.SATUANAK_TODAY = date(2024, 12, 31)
    assert today() == date(2024, 12, 31)
