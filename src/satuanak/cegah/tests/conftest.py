"""Fixtures of the CEGAH DINI tests: the KUA loaded from data/cegah/kua.csv, a fixed today, and a
helper that records a session through the service."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

import pytest

from satuanak.cegah.models import Kua, Session
from satuanak.cegah.services import cegah_kua_load, prevention_session_record
from satuanak.facilities.models import School

TODAY = date(2025, 7, 31)


class Record(Protocol):
    def __call__(self, venue: Kua | School, day: date, *, module: bool = True) -> Session: ...


@pytest.fixture
def kua(reference_data: None) -> list[Kua]:
    cegah_kua_load()
    return list(Kua.objects.order_by("code"))


@pytest.fixture
def smp(reference_data: None) -> list[School]:
    return list(School.objects.filter(level="SMP").order_by("npsn"))


@pytest.fixture
def record(personas: dict[str, Any], kua: list[Kua]) -> Record:
    def _record(venue: Kua | School, day: date, *, module: bool = True) -> Session:
        is_kua = isinstance(venue, Kua)
        return prevention_session_record(
            user=personas["dinkes"],
            kind="bimwin" if is_kua else "mpls",
            date=day,
            venue_kind="kua" if is_kua else "school",
            venue_id=venue.pk,
            health_module=module,
            participants_female=10,
            participants_male=8,
            facilitators="Bidan - Puskesmas",
            today=TODAY,
        )

    return _record
