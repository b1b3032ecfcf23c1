"""kla_figures: each figure counted by hand from a small picture; missing data leaves the key out."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.facilities.models import HealthFacility
from satuanak.regions.models import Desa
from satuanak.remaja.periods import PeriodError
from satuanak.remaja.selectors import kla_figures
from satuanak.remaja.services import (
    anaemia_screening_record,
    pkpr_assessment_record,
    posyandu_remaja_create,
    posyandu_remaja_session_record,
    ttd_week_record,
)

pytestmark = pytest.mark.django_db


def test_no_data_no_keys(reference_data: None) -> None:
    assert kla_figures(period="2024Q4") == {}


def test_bad_period_is_refused(reference_data: None) -> None:
    with pytest.raises(PeriodError):
        kla_figures(period="2024-12")


def test_figures_by_hand(
    standard: Any,
    personas: dict[str, Any],
    sungai_duri: Any,
    samalantan: Any,
    sungai_duri_desa: Any,
    girl: Any,
    smp_sungai_raya: Any,
) -> None:
    from satuanak.persons.tests.factories import ChildFactory

    dinkes = personas["dinkes"]
    codes = list(standard.items.values_list("code", flat=True))
    all_met = dict.fromkeys(codes, True)
    # PKPR: Sungai Duri meets (Nov), Samalantan does not; a check after the quarter is not counted.
    pkpr_assessment_record(
        user=dinkes, facility_id=sungai_duri.pk, assessed_on=date(2024, 11, 5), met=all_met
    )
    pkpr_assessment_record(
        user=dinkes,
        facility_id=samalantan.pk,
        assessed_on=date(2024, 12, 10),
        met=all_met | {"PKPR-2": False},
    )
    # Posyandu Remaja: two in one desa (one active), one in another desa (one trained cadre: inactive)
    other_desa = Desa.objects.exclude(pk=sungai_duri_desa.pk).order_by("code").first()
    assert other_desa is not None
    a = posyandu_remaja_create(user=dinkes, desa_code=sungai_duri_desa.code, name="A")
    b = posyandu_remaja_create(user=dinkes, desa_code=sungai_duri_desa.code, name="B")
    c = posyandu_remaja_create(user=dinkes, desa_code=other_desa.code, name="C")
    for p, trained in ((a, 2), (b, 3), (c, 1)):
        posyandu_remaja_session_record(
            user=dinkes,
            posyandu_id=p.pk,
            held_on=date(2024, 12, 3),
            girls=5,
            boys=5,
            trained_cadres_present=trained,
            topics=["gizi"],
        )
    # TTD: 30 girl-weeks enrolled, 24 given in Q4; a Q3 week is not counted
    for day, enrolled, given in (
        (date(2024, 10, 7), 15, 12),
        (date(2024, 12, 16), 15, 12),
        (date(2024, 9, 9), 15, 15),
    ):
        ttd_week_record(
            user=dinkes,
            school_id=smp_sungai_raya.pk,
            class_name="VII",
            week_of=day,
            girls_enrolled=enrolled,
            tablets_given=given,
            girls_took=given,
        )
    # Anaemia: three girls screened in Q4, one anaemic at her first screening (her re-screen is not a
    # second girl); a girl screened only in Q3 is not counted.
    g2 = ChildFactory.create(desa=sungai_duri_desa, sex="P", birth_date=date(2009, 1, 1))
    g3 = ChildFactory.create(desa=sungai_duri_desa, sex="P", birth_date=date(2007, 7, 7))
    g4 = ChildFactory.create(desa=sungai_duri_desa, sex="P", birth_date=date(2010, 2, 2))
    for child, day, hb in (
        (girl, date(2024, 10, 1), "10.5"),
        (girl, date(2024, 12, 27), "12.4"),
        (g2, date(2024, 10, 2), "13.0"),
        (g3, date(2024, 11, 2), "12.5"),
        (g4, date(2024, 9, 2), "9.0"),
    ):
        anaemia_screening_record(
            user=dinkes, child_id=child.pk, school_id=smp_sungai_raya.pk, screened_on=day, hb_g_dl=hb
        )

    figures = kla_figures(period="2024Q4")
    puskesmas = HealthFacility.objects.filter(kind="puskesmas").count()
    assert figures["pkpr_share"] == (1, puskesmas, date(2024, 12, 10))
    assert figures["posyandu_remaja_active"] == (1, Desa.objects.count(), date(2024, 12, 31))
    assert figures["ttd_coverage"] == (24, 30, date(2024, 12, 16))
    assert figures["anaemia_rate"] == (1, 3, date(2024, 11, 2))
    assert puskesmas == 17 and Desa.objects.count() == 124

    q3 = kla_figures(period="2024Q3")
    assert "pkpr_share" not in q3 and "posyandu_remaja_active" not in q3
    assert q3["ttd_coverage"] == (15, 15, date(2024, 9, 9))
    assert q3["anaemia_rate"] == (1, 1, date(2024, 9, 2))
    # Q1 2025: the checks still stand (latest on or before the end), nobody is active any more
    q1 = kla_figures(period="2025Q1")
    assert q1["pkpr_share"][0] == 1
    assert q1["posyandu_remaja_active"][0] == 0
    assert "ttd_coverage" not in q1 and "anaemia_rate" not in q1
