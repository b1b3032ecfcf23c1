"""The platform's today, in one place.

The real date in the server's time zone (Asia/Pontianak), unless settings.SATUANAK_TODAY fixes
it: a demo of the synthetic district runs on the district's reference date, so a 100-day
programme that started in October is still running and a referral sent last week is not
years overdue.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    fixed: date | None = getattr(settings, "SATUANAK_TODAY", None)
    return fixed or timezone.localdate()
