"""The demo loader: every puskesmas checked (some meeting the standard), Posyandu Remaja in both
kecamatan in every state, girls screened, TTD weeks; a second run doubles nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa
from satuanak.remaja import anaemia as an
from satuanak.remaja import selectors as sel
from satuanak.remaja.demo import remaja_demo_load
from satuanak.remaja.models import (
    AnaemiaScreening,
    CounsellingTally,
    PkprAssessment,
    PosyanduRemaja,
    PosyanduRemajaSession,
    TtdWeek,
)

pytestmark = pytest.mark.django_db
REF = date(2024, 12, 31)


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            PkprAssessment,
            PosyanduRemaja,
            PosyanduRemajaSession,
            CounsellingTally,
            AnaemiaScreening,
            TtdWeek,
        )
    )


def test_demo_loads_every_part_and_twice_doubles_nothing(personas: dict[str, Any]) -> None:
    desa = list(Desa.objects.filter(kecamatan__code__in=("61.07.01", "61.07.02")).order_by("code"))
    for n in range(60):
        ChildFactory.create(
            desa=desa[n % len(desa)], sex="P", birth_date=date(2006 + n % 8, 1 + n % 12, 1 + n % 27)
        )
    ChildFactory.create(desa=desa[0], sex="L", birth_date=date(2010, 1, 1))  # a boy: never screened
    far = Desa.objects.filter(kecamatan__code="61.07.10").first()
    ChildFactory.create(desa=far, sex="P", birth_date=date(2010, 1, 1))  # another kecamatan: not screened

    first = remaja_demo_load(reference_date=REF)
    assert first["pkpr_assessments"] == 17
    assert first["posyandu_remaja"] == len(desa)
    assert first["screenings"] == 60
    assert (
        AnaemiaScreening.objects.filter(
            child__sex="P", child__desa__kecamatan__code__in=("61.07.01", "61.07.02")
        ).count()
        == AnaemiaScreening.objects.count()
    )
    counts = _counts()
    again = remaja_demo_load(reference_date=REF)
    assert _counts() == counts
    assert again["posyandu_remaja"] == 0 and again["sessions"] == 0 and again["screenings"] == 0

    rows = sel.pkpr_rows(on=REF)
    assert 0 < sum(r.meets for r in rows) < 17
    posyandu = sel.posyandu_rows(PosyanduRemaja.objects.all(), on=REF)
    assert any(r.active for r in posyandu) and any(not r.active for r in posyandu)
    assert any(r.active and not r.was_active for r in posyandu)  # one started this quarter
    statuses = {r.follow_up.status for r in sel.anaemia_follow_ups(user=personas["dinkes"], today=REF)}
    assert an.RESOLVED in statuses or an.STILL_ANAEMIC in statuses
    figures = sel.kla_figures(period="2024Q4")
    assert set(figures) == {"pkpr_share", "posyandu_remaja_active", "ttd_coverage", "anaemia_rate"}
    given, enrolled, _ = figures["ttd_coverage"]
    assert 0 < given <= enrolled
