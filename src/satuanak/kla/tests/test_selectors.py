"""Platform-derived values on a constructed dataset, matched against hand counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from django.utils import timezone

from satuanak.facilities.models import HealthFacility
from satuanak.flags.models import ChildFlag, FlagAggregate
from satuanak.gesit.models import Baas, BaasAssignment
from satuanak.interventions.models import Intervention
from satuanak.kla.models import EnteredValue, IndicatorSet
from satuanak.kla.selectors import (
    KlaError,
    kla_indicator_values,
    kla_platform_values,
    kla_roadmap,
    kla_scorecard,
    kla_trend,
    period_bounds,
)
from satuanak.persons.models import Child
from satuanak.prap.models import Assessment, StandardVersion
from satuanak.referrals import transitions as t
from satuanak.referrals.models import DevelopmentScreening, Referral, ReferralEvent, ServiceUnit
from satuanak.regions.models import Kecamatan

pytestmark = pytest.mark.django_db
P = "2024Q4"


def _agg(code: str, num: int, den: int, period: str = P) -> None:
    FlagAggregate.objects.create(
        code=code, period=period, level="district", area_code="61.07", numerator=num, denominator=den,
        rate=num / den,
    )  # fmt: skip


def _unit(code: str, kind: str) -> ServiceUnit:
    return ServiceUnit.objects.create(code=code, name=code, kind=kind, receives=True)


def _referral(child: Child, to: ServiceUnit, frm: ServiceUnit, user: Any, *, status: str, done: date | None,
              protection: bool = False) -> Referral:  # fmt: skip
    r = Referral.objects.create(
        child=child, from_unit=frm, to_unit=to, reason="x", urgency=t.ROUTINE, is_protection=protection,
        status=status, sent_on=date(2024, 10, 1), due_on=date(2024, 10, 15), created_by=user,
        outcome="dilayani" if status == t.COMPLETED else "",
    )  # fmt: skip
    if done is not None:
        at = datetime(done.year, done.month, done.day, 10, tzinfo=UTC)
        ReferralEvent.objects.create(
            referral=r, from_status=t.IN_SERVICE, to_status=t.COMPLETED, by=user, at=at
        )
    return r


@pytest.fixture
def dataset(
    kla_set: IndicatorSet, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    user = personas["dinkes"]
    # flags: akta 300 of 400 missing? no: 100 without akta of 400 -> 75 % coverage
    _agg("no_akta", 100, 400)
    _agg("no_kia", 150, 400)
    _agg("immunisation_incomplete", 30, 200)
    _agg("stunting", 45, 180)  # 25 %
    _agg("child_marriage", 4, 400)  # 1 %
    _agg("out_of_school", 20, 250)  # 8 %
    _agg("violence_case", 4, 400)
    _agg("no_akta", 120, 400, period="2024Q3")
    kids = [Child.objects.create(name=f"Anak {i}") for i in range(10)]
    # violence: 4 children flagged; 2 completed by the quarter's end, 1 completed in January, 1 in service
    for k in kids[:4]:
        ChildFlag.objects.create(
            child=k, code="violence_case", rule_version=1, period=P, status=ChildFlag.Status.FLAGGED,
            reason_id="x", reason_en="x",
        )  # fmt: skip
    ppa, school, sapa = (
        _unit("uptd-ppa-t", "uptd_ppa"),
        _unit("sekolah-t", "school"),
        _unit("sapa-t", "sapa_abk"),
    )
    _referral(kids[0], ppa, school, user, status=t.COMPLETED, done=date(2024, 11, 2), protection=True)
    _referral(kids[1], ppa, school, user, status=t.COMPLETED, done=date(2024, 12, 31), protection=True)
    _referral(kids[2], ppa, school, user, status=t.COMPLETED, done=date(2025, 1, 5), protection=True)
    _referral(kids[3], ppa, school, user, status=t.IN_SERVICE, done=None, protection=True)
    # disability: 3 children needing referral in the quarter (one screened twice), 1 outside the quarter
    for k, on, instrument, result in [
        (kids[4], date(2024, 10, 3), t.KPSP, t.DEVIATION),
        (kids[4], date(2024, 11, 3), t.HEARING, t.SUSPECTED),
        (kids[5], date(2024, 10, 9), t.VISION, t.SUSPECTED),
        (kids[6], date(2024, 12, 1), t.KPSP, t.DEVIATION),
        (kids[7], date(2024, 12, 1), t.KPSP, t.DOUBTFUL),  # re-screen, not a referral
        (kids[8], date(2024, 9, 30), t.KPSP, t.DEVIATION),  # the quarter before
    ]:
        DevelopmentScreening.objects.create(child=k, screened_on=on, instrument=instrument, result=result,
                                            recorded_by=user)  # fmt: skip
    _referral(kids[4], sapa, school, user, status=t.COMPLETED, done=date(2024, 12, 20))
    _referral(kids[5], sapa, school, user, status=t.RECEIVED, done=None)
    _referral(kids[8], sapa, school, user, status=t.COMPLETED, done=date(2024, 10, 20))
    # PRAP: 3 of the puskesmas certified (one ended before the quarter's end), one certified later
    std = StandardVersion.objects.create(number=1, title="t", valid_from=date(2024, 1, 1), published=True)
    pkm = list(HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).order_by("name")[:4])
    for i, (f, on, ended) in enumerate(
        [(pkm[0], date(2024, 8, 1), None), (pkm[1], date(2024, 12, 30), None),
         (pkm[2], date(2024, 5, 1), date(2024, 11, 1)), (pkm[3], date(2025, 2, 1), None)]
    ):  # fmt: skip
        Assessment.objects.create(
            facility=f, version=std, started_by=user, certified_on=on, valid_until=on + timedelta(days=1000),
            certificate_number=f"PRAP-{i}", state="revoked" if ended else "certified", ended_on=ended,
            end_reason="x" if ended else "",
        )  # fmt: skip
    # KIA delivery register: 5 known places in the quarter (1 at home), 1 unknown, 1 in September
    frame = pl.DataFrame(
        {
            "delivery_date": [date(2024, 10, 1), date(2024, 10, 2), date(2024, 11, 5), date(2024, 12, 7),
                              date(2024, 12, 31), date(2024, 11, 1), date(2024, 9, 30)],
            "delivery_place": ["RSUD Bengkayang", "Rumah", "Puskesmas Ledo", "Klinik X", "Puskesmas Ledo",
                               None, "RSUD Bengkayang"],
        }
    )  # fmt: skip
    monkeypatch.setattr("satuanak.imports.services.staged_records", lambda adapter: frame.lazy())
    # GESIT: BAAS in 2 kecamatan, one confirmed assignment in Q4, one only proposed
    kec = list(Kecamatan.objects.order_by("code")[:2])
    for i, kc in enumerate(kec):
        baas = Baas.objects.create(
            kind="person" if i else "company", name=f"B{i}", kecamatan=kc, created_by=user,
            created_at=datetime(2024, 9, 1, tzinfo=UTC),
        )  # fmt: skip
        given = Intervention.objects.create(
            child=kids[9 - i], kind=Intervention.Kind.PMT, start_date=date(2024, 11, 1), given_by=user
        ) if i == 0 else None  # fmt: skip
        BaasAssignment.objects.create(
            baas=baas, child=kids[9 - i], status="confirmed" if i == 0 else "proposed",
            start_date=date(2024, 11, 1), end_date=date(2025, 2, 8), intervention=given,
            confirmed_at=timezone.now() if i == 0 else None, confirmed_by=user if i == 0 else None,
        )  # fmt: skip
    return {"user": user, "kids": kids}


def test_platform_values_match_hand_counts(dataset: dict[str, Any]) -> None:
    v = kla_platform_values(period=P)
    assert (v["akta_coverage"].value, v["akta_coverage"].numerator, v["akta_coverage"].denominator) == (
        75.0,
        300,
        400,
    )
    assert v["kia_coverage"].value == 62.5
    assert v["immunisation_coverage"].value == 85.0 and v["immunisation_coverage"].numerator == 170
    assert v["stunting_prevalence"].value == 25.0 and v["stunting_prevalence"].numerator == 45
    assert v["child_marriage_rate"].value == 1.0
    assert v["out_of_school_rate"].value == 8.0
    # violence: 2 of the 4 flagged completed by 31-12 (the January one does not count yet)
    assert (v["violence_served"].numerator, v["violence_served"].denominator) == (2, 4)
    # disability: kids 4, 5, 6 need referral in Q4; only kid 4 completed at SAPA ABK
    assert (v["disability_served"].numerator, v["disability_served"].denominator) == (1, 3)
    # PRAP: pkm0 and pkm1 in force on 31-12; pkm2 ended in November; pkm3 certified later
    total = HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).count()
    assert (v["prap_share"].numerator, v["prap_share"].denominator) == (2, total)
    # deliveries: 5 with a known place in Q4, 4 at a facility
    assert (v["facility_deliveries"].numerator, v["facility_deliveries"].denominator) == (4, 5)
    assert v["facility_deliveries"].value == 80.0
    assert v["gesit_kecamatan_share"].numerator == 1
    for item in v.values():
        assert item.data_date is not None and item.data_date <= period_bounds(P)[1]
        assert item.source == "platform"


def test_indicator_values_platform_first_then_entered_then_missing(dataset: dict[str, Any]) -> None:
    user = dataset["user"]
    EnteredValue.objects.create(code="III-12", period=P, value=30, entered_by=user, note="lama")
    EnteredValue.objects.create(code="III-12", period=P, value=41, entered_by=user, note="baru",
                                entered_at=timezone.now() + timedelta(seconds=1))  # fmt: skip
    EnteredValue.objects.create(code="I-04", period=P, value=99, entered_by=user, note="ignored")
    values = kla_indicator_values(period=P)
    assert len(values) == 24
    assert values["I-04"].source == "platform" and values["I-04"].value == 75.0
    assert values["III-12"].source == "entered" and values["III-12"].value == 41
    assert values["II-09"].source == "missing" and values["II-09"].value is None
    assert values["III-11"].value == 25.0 and values["V-20"].value == 50.0


def test_scorecard_total_matches_hand_computation(dataset: dict[str, Any]) -> None:
    card = kla_scorecard(period=P)
    assert card.version == 1 and len(card.indicators) == 24
    n_pkm = HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).count()
    expected = (
        0.75 * 70  # akta
        + (5 - 1) / 5 * 60  # child marriage: zero point 5 %, target 0
        + 0.80 * 50  # deliveries
        + (40 - 25) / (40 - 14) * 60  # stunting
        + 2 / n_pkm * 50  # PRAP
        + (20 - 8) / 20 * 50  # out of school
        + 0.5 * 60  # violence served
        + 1 / 3 * 50  # disability served
    )
    assert card.total == pytest.approx(expected, abs=0.02)
    assert card.category == "Belum KLA" and card.gap_to_utama == pytest.approx(801 - card.total, abs=0.01)
    assert "not the official score" in card.statement_en


def test_trend_and_bad_period(dataset: dict[str, Any]) -> None:
    assert kla_trend(code="I-04", periods=["2024Q3", P, "2025Q1"]) == [
        ("2024Q3", 70.0),
        (P, 75.0),
        ("2025Q1", None),
    ]
    with pytest.raises(KlaError):
        kla_scorecard(period="2024Q5")
    with pytest.raises(KlaError):
        kla_scorecard(period=P, version=9)


def test_scorecard_without_a_set_says_so(db: None) -> None:
    with pytest.raises(KlaError, match="load-indicators"):
        kla_scorecard(period=P)


def test_roadmap_actuals(dataset: dict[str, Any]) -> None:
    ServiceUnit.objects.filter(code="sapa-t").update(active=True)
    _unit("sapa-2", "sapa_abk")
    kpis = kla_roadmap(today=date(2025, 1, 15))
    first = kpis[0]
    assert first.name_en == "Puskesmas certified PRAP" and first.target == 4
    assert first.actual == 2 and first.met is None  # due later, not reached yet
    sapa = next(k for k in kpis if k.name_en == "SAPA ABK units operating")
    assert sapa.actual == 2 and sapa.met is True
    posyandu = next(k for k in kpis if "Youth posyandu" in k.name_en)
    assert posyandu.actual is None and posyandu.met is None and posyandu.source == "missing"
    akta = next(k for k in kpis if k.name_en.startswith("Birth-certificate"))
    assert akta.actual == 75.0 and akta.strict
    # after the due date a target not reached is "not met"
    late = kla_roadmap(today=date(2025, 7, 1))[0]
    assert late.actual == 3 and late.met is False  # pkm3 certified in February 2025
