"""Writes and the reads built on them: PKPR, Posyandu Remaja, counselling, anaemia, TTD."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.remaja import anaemia as an
from satuanak.remaja import selectors as sel
from satuanak.remaja.models import (
    AnaemiaScreening,
    CounsellingTally,
    PkprAssessment,
    PosyanduRemaja,
    PosyanduRemajaSession,
    TtdWeek,
)
from satuanak.remaja.services import (
    RemajaError,
    RemajaPermissionError,
    anaemia_screening_record,
    counselling_tally_record,
    pkpr_assessment_record,
    posyandu_remaja_create,
    posyandu_remaja_session_record,
    ttd_week_record,
)

pytestmark = pytest.mark.django_db


def _all_met(standard: Any, **overrides: bool) -> dict[str, bool]:
    return {i.code: overrides.get(i.code.replace("-", "_"), True) for i in standard.items.all()}


# --- PKPR ------------------------------------------------------------------------------------


def test_pkpr_meets_when_every_required_item_is_met(
    standard: Any, personas: dict[str, Any], sungai_duri: Any
) -> None:
    optional = standard.items.filter(required=False).first()
    met = _all_met(standard)
    met[optional.code] = False  # an optional item missing does not matter
    pkpr_assessment_record(
        user=personas["pkm_sungai_duri"], facility_id=sungai_duri.pk, assessed_on=date(2024, 11, 1), met=met
    )
    row = next(r for r in sel.pkpr_rows() if r.facility == sungai_duri)
    assert row.meets and row.missing == [] and row.met_required == row.required == 6


def test_pkpr_does_not_meet_with_a_required_item_missing(
    standard: Any, personas: dict[str, Any], sungai_duri: Any
) -> None:
    met = _all_met(standard, PKPR_3=False)
    pkpr_assessment_record(
        user=personas["dinkes"], facility_id=sungai_duri.pk, assessed_on=date(2024, 11, 1), met=met
    )
    row = next(r for r in sel.pkpr_rows() if r.facility == sungai_duri)
    assert not row.meets and row.missing == ["PKPR-3"]
    # a later check with the item met: it meets from then on, and the earlier date still did not
    pkpr_assessment_record(
        user=personas["dinkes"],
        facility_id=sungai_duri.pk,
        assessed_on=date(2024, 12, 2),
        met=_all_met(standard),
    )
    assert next(r for r in sel.pkpr_rows() if r.facility == sungai_duri).meets
    assert not next(r for r in sel.pkpr_rows(on=date(2024, 11, 30)) if r.facility == sungai_duri).meets


def test_pkpr_same_day_replaces(standard: Any, personas: dict[str, Any], sungai_duri: Any) -> None:
    for met in (_all_met(standard, PKPR_1=False), _all_met(standard)):
        pkpr_assessment_record(
            user=personas["dinkes"], facility_id=sungai_duri.pk, assessed_on=date(2024, 11, 1), met=met
        )
    assert PkprAssessment.objects.filter(facility=sungai_duri).count() == 1
    assert next(r for r in sel.pkpr_rows() if r.facility == sungai_duri).meets


def test_pkpr_only_own_staff_or_dinkes(
    standard: Any, personas: dict[str, Any], samalantan: Any, sungai_duri: Any
) -> None:
    for name in ("pkm_sungai_duri", "kader_sungai_duri", "pkm_samalantan", "steward"):
        with pytest.raises(RemajaPermissionError):
            pkpr_assessment_record(
                user=personas[name],
                facility_id=samalantan.pk,
                assessed_on=date(2024, 11, 1),
                met=_all_met(standard),
            )
    with pytest.raises(RemajaPermissionError):  # no capability at all
        pkpr_assessment_record(
            user=personas["bappeda"],
            facility_id=sungai_duri.pk,
            assessed_on=date(2024, 11, 1),
            met=_all_met(standard),
        )
    assert not PkprAssessment.objects.exists()


def test_pkpr_every_item_must_be_answered(standard: Any, personas: dict[str, Any], sungai_duri: Any) -> None:
    met = _all_met(standard)
    met.pop("PKPR-8")
    with pytest.raises(RemajaError, match="PKPR-8"):
        pkpr_assessment_record(
            user=personas["dinkes"], facility_id=sungai_duri.pk, assessed_on=date(2024, 11, 1), met=met
        )
    with pytest.raises(RemajaError):  # the future
        pkpr_assessment_record(
            user=personas["dinkes"],
            facility_id=sungai_duri.pk,
            assessed_on=date(2025, 1, 1),
            met=_all_met(standard),
        )
    assert not PkprAssessment.objects.exists()


def test_standard_file_says_where_each_item_comes_from(standard: Any) -> None:
    origins = dict(standard.items.values_list("code", "origin"))
    assert set(origins.values()) == {"seed", "unverified"}
    assert standard.items.filter(required=True).count() == 6


# --- Posyandu Remaja -------------------------------------------------------------------------


def test_posyandu_remaja_goes_from_inactive_to_active(
    personas: dict[str, Any], sungai_duri_desa: Any, settings: Any
) -> None:
    kader = personas["kader_sungai_duri"]
    p = posyandu_remaja_create(
        user=kader, desa_code=sungai_duri_desa.code, name="Posyandu Remaja Melati", cadres=4, trained_cadres=2
    )
    settings.SATUANAK_TODAY = date(2024, 9, 30)
    # one session with a single trained cadre: still inactive
    posyandu_remaja_session_record(
        user=kader,
        posyandu_id=p.pk,
        held_on=date(2024, 9, 5),
        girls=8,
        boys=4,
        trained_cadres_present=1,
        topics=["anemia"],
    )
    [row] = sel.posyandu_rows(PosyanduRemaja.objects.filter(pk=p.pk), on=date(2024, 9, 30))
    assert not row.active
    settings.SATUANAK_TODAY = date(2024, 12, 31)
    posyandu_remaja_session_record(
        user=kader,
        posyandu_id=p.pk,
        held_on=date(2024, 11, 14),
        girls=12,
        boys=6,
        trained_cadres_present=2,
        topics=["anemia", "kespro"],
    )
    [row] = sel.posyandu_rows(PosyanduRemaja.objects.filter(pk=p.pk), on=date(2024, 12, 31))
    assert row.active and not row.was_active
    assert row.transition.startswith("baru aktif")
    desa = {d.desa.pk: d for d in sel.posyandu_by_desa(user=kader, on=date(2024, 12, 31))}
    assert desa[sungai_duri_desa.pk].active
    # and three months without a session later it is inactive again
    [row] = sel.posyandu_rows(PosyanduRemaja.objects.filter(pk=p.pk), on=date(2025, 3, 31))
    assert not row.active


def test_posyandu_remaja_outside_the_area_is_refused(
    personas: dict[str, Any], samalantan_desa: Any, sungai_duri_desa: Any
) -> None:
    with pytest.raises(RemajaPermissionError):
        posyandu_remaja_create(user=personas["kader_sungai_duri"], desa_code=samalantan_desa.code, name="X")
    p = posyandu_remaja_create(user=personas["dinkes"], desa_code=sungai_duri_desa.code, name="PR Duri")
    with pytest.raises(RemajaPermissionError):
        posyandu_remaja_session_record(
            user=personas["kader_samalantan"],
            posyandu_id=p.pk,
            held_on=date(2024, 12, 1),
            girls=3,
            boys=1,
            trained_cadres_present=2,
            topics=["gizi"],
        )
    assert not PosyanduRemajaSession.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"girls": 0, "boys": 0}, "hadir"),
        ({"topics": []}, "topik"),
        ({"topics": ["sihir"]}, "Topik"),
        ({"girls": "lima"}, "bilangan"),
        ({"held_on": date(2025, 1, 2)}, "masa depan"),
    ],
)
def test_bad_session_is_refused(
    personas: dict[str, Any], sungai_duri_desa: Any, fields: dict[str, Any], message: str
) -> None:
    p = posyandu_remaja_create(user=personas["dinkes"], desa_code=sungai_duri_desa.code, name="PR Duri")
    data: dict[str, Any] = {
        "held_on": date(2024, 12, 1),
        "girls": 5,
        "boys": 5,
        "trained_cadres_present": 2,
        "topics": ["gizi"],
    }
    data.update(fields)
    with pytest.raises(RemajaError, match=message):
        posyandu_remaja_session_record(user=personas["dinkes"], posyandu_id=p.pk, **data)
    assert not PosyanduRemajaSession.objects.exists()


# --- counselling -----------------------------------------------------------------------------


def test_counselling_tallies_hold_counts_and_nothing_else(personas: dict[str, Any], sungai_duri: Any) -> None:
    # No field can carry words: only codes from fixed choices, numbers, dates and links.
    for f in CounsellingTally._meta.get_fields():
        assert not isinstance(f, models.TextField | models.JSONField), f.name
        if isinstance(f, models.CharField):
            assert f.choices, f"{f.name} is free text"
    total = counselling_tally_record(
        user=personas["pkm_sungai_duri"],
        facility_id=sungai_duri.pk,
        month=date(2024, 11, 17),
        counts={"mental|P|15-19": "3", "nutrition|P|10-14": 5, "reproductive|L|15-19": ""},
    )
    assert total == 8
    rows = set(CounsellingTally.objects.values_list("month", "topic", "sex", "age_group", "visits"))
    assert rows == {
        (date(2024, 11, 1), "mental", "P", "15-19", 3),
        (date(2024, 11, 1), "nutrition", "P", "10-14", 5),
    }
    # entering the month again replaces it
    counselling_tally_record(
        user=personas["dinkes"],
        facility_id=sungai_duri.pk,
        month=date(2024, 11, 1),
        counts={"other|L|10-14": 1},
    )
    assert list(CounsellingTally.objects.values_list("topic", "visits")) == [("other", 1)]
    [cell] = sel.counselling_summary(user=personas["dinkes"])
    assert cell["total"] == 1 and cell["sex_counts"] == [1, 0]


def test_counselling_refuses_text_and_other_puskesmas(
    personas: dict[str, Any], sungai_duri: Any, samalantan: Any
) -> None:
    with pytest.raises(RemajaError):
        counselling_tally_record(
            user=personas["dinkes"],
            facility_id=sungai_duri.pk,
            month=date(2024, 11, 1),
            counts={"mental|P|15-19": "dia bercerita tentang ..."},
        )
    with pytest.raises(RemajaError):
        counselling_tally_record(
            user=personas["dinkes"],
            facility_id=sungai_duri.pk,
            month=date(2024, 11, 1),
            counts={"catatan": "x"},
        )
    with pytest.raises(RemajaPermissionError):
        counselling_tally_record(
            user=personas["pkm_sungai_duri"],
            facility_id=samalantan.pk,
            month=date(2024, 11, 1),
            counts={"other|L|10-14": 1},
        )
    assert not CounsellingTally.objects.exists()


# --- anaemia ---------------------------------------------------------------------------------


def test_anaemic_girl_gets_a_follow_up_that_a_later_screening_resolves(
    personas: dict[str, Any], girl: Any, smp_sungai_raya: Any, settings: Any
) -> None:
    user = personas["pkm_sungai_duri"]
    first = anaemia_screening_record(
        user=user,
        child_id=girl.pk,
        school_id=smp_sungai_raya.pk,
        screened_on=date(2024, 9, 2),
        hb_g_dl="10,4",
    )
    assert (first.age_years, first.anaemic, first.severity) == (13, True, an.MODERATE)
    assert first.hb_g_dl == Decimal("10.4") and first.thresholds_version == 1
    settings.SATUANAK_TODAY = date(2024, 11, 20)
    [row] = sel.anaemia_follow_ups(user=user, today=date(2024, 11, 20), open_only=True)
    assert row.child == girl and row.follow_up.status == an.DUE
    assert row.follow_up.due_on == date(2024, 9, 2) + timedelta(weeks=12) == date(2024, 11, 25)
    assert sel.open_follow_up_count(user, today=date(2024, 11, 26)) == {an.DUE: 0, an.OVERDUE: 1}
    settings.SATUANAK_TODAY = date(2024, 12, 31)
    anaemia_screening_record(
        user=user,
        child_id=girl.pk,
        school_id=smp_sungai_raya.pk,
        screened_on=date(2024, 12, 2),
        hb_g_dl="12.3",
    )
    assert sel.anaemia_follow_ups(user=user, today=date(2024, 12, 31), open_only=True) == []
    [row] = sel.anaemia_follow_ups(user=user, today=date(2024, 12, 31))
    assert row.follow_up.status == an.RESOLVED
    # the child's page sees both screenings, the first with its resolved follow-up
    views = sel.anaemia_for_child(user, girl)
    assert [v.screening.anaemic for v in views] == [True, False]
    assert views[0].follow_up is not None and views[0].follow_up.status == an.RESOLVED
    assert views[1].follow_up is None


def test_a_girl_outside_the_area_is_refused_and_audited(
    personas: dict[str, Any], girl_samalantan: Any, smp_sungai_raya: Any
) -> None:
    user = personas["pkm_sungai_duri"]
    with pytest.raises(RemajaPermissionError):
        anaemia_screening_record(
            user=user,
            child_id=girl_samalantan.pk,
            school_id=smp_sungai_raya.pk,
            screened_on=date(2024, 12, 1),
            hb_g_dl="10",
        )
    assert not AnaemiaScreening.objects.exists()
    assert AuditEvent.objects.filter(
        actor=user, action=AuditAction.ACCESS_DENIED, subject_id=str(girl_samalantan.pk)
    ).exists()
    assert sel.anaemia_for_child(user, girl_samalantan) == []
    assert girl_samalantan not in sel.girls_search(user=user, on=date(2024, 12, 31))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hb_g_dl": "abc"}, "angka"),
        ({"hb_g_dl": "25"}, "rentang"),
        ({"hb_g_dl": "NaN"}, "angka"),
        ({"screened_on": date(2025, 2, 1)}, "masa depan"),
        ({"school": "samalantan"}, "sekolah"),
    ],
)
def test_bad_screening_is_refused(
    personas: dict[str, Any],
    girl: Any,
    smp_sungai_raya: Any,
    smp_samalantan: Any,
    change: dict[str, Any],
    message: str,
) -> None:
    data: dict[str, Any] = {"screened_on": date(2024, 12, 1), "hb_g_dl": "11"}
    school = smp_samalantan if change.pop("school", None) else smp_sungai_raya
    data.update(change)
    with pytest.raises(RemajaError, match=message):
        anaemia_screening_record(
            user=personas["pkm_sungai_duri"], child_id=girl.pk, school_id=school.pk, **data
        )
    assert not AnaemiaScreening.objects.exists()


def test_only_adolescent_girls_are_screened(
    personas: dict[str, Any], sungai_duri_desa: Any, smp_sungai_raya: Any
) -> None:
    from satuanak.persons.tests.factories import ChildFactory

    boy = ChildFactory.create(desa=sungai_duri_desa, sex="L", birth_date=date(2011, 1, 1))
    small = ChildFactory.create(desa=sungai_duri_desa, sex="P", birth_date=date(2016, 1, 1))
    adult = ChildFactory.create(desa=sungai_duri_desa, sex="P", birth_date=date(2004, 12, 1))  # 20
    for child in (boy, small, adult):
        with pytest.raises(RemajaError, match="10-19"):
            anaemia_screening_record(
                user=personas["dinkes"],
                child_id=child.pk,
                school_id=smp_sungai_raya.pk,
                screened_on=date(2024, 12, 1),
                hb_g_dl="10",
            )
    found = sel.girls_search(user=personas["dinkes"], on=date(2024, 12, 31))
    assert not {boy, small, adult} & set(found)


# --- TTD -------------------------------------------------------------------------------------


def test_ttd_coverage_and_adherence_by_hand(
    personas: dict[str, Any], smp_sungai_raya: Any, girl: Any
) -> None:
    user = personas["pkm_sungai_duri"]
    weeks = [
        # (class, any day of the week, enrolled, given, took)
        ("VII-A", date(2024, 10, 9), 20, 18, 15),
        ("VII-A", date(2024, 10, 16), 20, 20, 19),
        ("VIII-A", date(2024, 10, 9), 16, 12, 12),
        ("VIII-A", date(2024, 11, 20), 16, 16, 10),
        ("VIII-A", date(2024, 9, 25), 16, 0, 0),  # the previous quarter: not counted
    ]
    for cls, day, enrolled, given, took in weeks:
        ttd_week_record(
            user=user,
            school_id=smp_sungai_raya.pk,
            class_name=cls.lower(),
            week_of=day,
            girls_enrolled=enrolled,
            tablets_given=given,
            girls_took=took,
        )
    assert TtdWeek.objects.get(class_name="VII-A", week_start=date(2024, 10, 7)).girls_took == 15
    # by hand: Q4 girl-weeks enrolled 20+20+16+16 = 72, given 18+20+12+16 = 66, took 15+19+12+10 = 56
    [row] = [r for r in sel.ttd_by_school(user=user, period="2024Q4") if r.school == smp_sungai_raya]
    assert (row.summary.weeks, row.summary.enrolled, row.summary.given, row.summary.took) == (4, 72, 66, 56)
    assert row.summary.coverage == pytest.approx(66 / 72)
    assert row.summary.adherence == pytest.approx(56 / 72)
    # the same class and week again corrects it
    ttd_week_record(
        user=user,
        school_id=smp_sungai_raya.pk,
        class_name="VII-A",
        week_of=date(2024, 10, 11),
        girls_enrolled=20,
        tablets_given=20,
        girls_took=20,
    )
    [row] = [r for r in sel.ttd_by_school(user=user, period="2024Q4") if r.school == smp_sungai_raya]
    assert (row.summary.given, row.summary.took) == (68, 61)


def test_ttd_bad_counts_and_other_schools_are_refused(
    personas: dict[str, Any], smp_sungai_raya: Any, smp_samalantan: Any
) -> None:
    user = personas["pkm_sungai_duri"]
    base: dict[str, Any] = {
        "class_name": "IX",
        "week_of": date(2024, 12, 2),
        "girls_enrolled": 10,
        "tablets_given": 8,
        "girls_took": 8,
    }
    changes: list[dict[str, Any]] = [
        {"tablets_given": 11},
        {"girls_took": 9},
        {"girls_enrolled": 0},
        {"class_name": ""},
        {"girls_took": "x"},
    ]
    for change in changes:
        with pytest.raises(RemajaError):
            ttd_week_record(user=user, school_id=smp_sungai_raya.pk, **(base | change))
    with pytest.raises(RemajaError):
        ttd_week_record(user=user, school_id=smp_samalantan.pk, **base)
    assert not TtdWeek.objects.exists()
