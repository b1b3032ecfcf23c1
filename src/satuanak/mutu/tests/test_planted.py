"""Known defects planted in an e-PPGBM export (tests/planted.py) go through the real import,
linkage, flags and the mutu stage: the checks find exactly those, with their thresholds, and a
clean posyandu passes; the page, the training form and the survey form work for the roles that
hold them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.sources import Source
from satuanak.flags.models import FlagAggregate, SurveyFigure
from satuanak.flags.services import flags_recompute
from satuanak.imports.services import import_file_run
from satuanak.linkage.services import linkage_run
from satuanak.mutu import selectors as sel
from satuanak.mutu.models import CadreTraining, CoverageCell, PrevalenceEstimate, QualityResult
from satuanak.mutu.services import mutu_recompute
from satuanak.mutu.tests.planted import Planted, plant

AS_OF = date(2024, 12, 31)
Q4 = "2024Q4"


@pytest.fixture
def planted(tmp_path: Path, reference_data: None, personas: dict[str, Any]) -> Planted:
    p = plant(tmp_path, Path(settings.SATUANAK_DATA_DIR))
    (batch,) = import_file_run(source=Source.EPPGBM, path=p.path)
    assert batch.status == "done" and batch.rejected == 0, batch.status
    linkage_run(as_of=AS_OF)
    flags_recompute(as_of=AS_OF)
    run = mutu_recompute(as_of=AS_OF)
    assert run.status == "done", run.message
    return p


@pytest.mark.django_db
def test_the_checks_find_exactly_the_planted_defects(planted: Planted) -> None:
    failed = set(
        QualityResult.objects.filter(level="posyandu", period=Q4, status="fail").values_list(
            "key", "check_code"
        )
    )
    assert failed == {(planted.rounding, "digit_height"), (planted.swapped, "position")}
    # each finding carries its value, threshold and plain reading
    rounding = QualityResult.objects.get(
        level="posyandu", period=Q4, key=planted.rounding, check_code="digit_height"
    )
    assert rounding.value == 1.0 and rounding.threshold.startswith("≤ 30%")
    assert "dibulatkan ke ,0 atau ,5" in rounding.reading_id and rounding.reading_en
    assert rounding.detail["p_value"] < 1e-6 and rounding.detail["dps"] > 50
    swapped = QualityResult.objects.get(
        level="posyandu", period=Q4, key=planted.swapped, check_code="position"
    )
    assert swapped.value == 1.0 and "berdiri" in swapped.reading_id
    # the clean posyandu passes every check, in both quarters
    clean = QualityResult.objects.filter(level="posyandu", key=planted.clean)
    assert clean.count() == 22 and set(clean.values_list("status", flat=True)) == {"ok"}
    # before the defects (2024Q3) no posyandu failed anything
    assert not QualityResult.objects.filter(level="posyandu", period="2024Q3", status="fail").exists()
    # low coverage: only the planted desa, and the quarter it was planted in
    statuses = {r.key: r.status for r in sel.coverage_rows(Q4, "desa")}
    assert {k for k, s in statuses.items() if s == "fail"} == {planted.desa[planted.low_coverage]}
    assert all(r.status == "ok" for r in sel.coverage_rows("2024Q3", "desa"))
    low = CoverageCell.objects.get(period=Q4, dimension="desa", key=planted.desa[planted.low_coverage])
    # a child never weighed at all is not known from e-PPGBM alone: up to 70 known
    assert 60 <= low.known <= 70 and low.weighed < 0.6 * low.known


@pytest.mark.django_db
def test_the_three_rates_and_the_gap(planted: Planted) -> None:
    for est in PrevalenceEstimate.objects.filter(level="district"):
        flag = FlagAggregate.objects.get(code="stunting", level="district", period=est.period)
        # the weighing-based rate is the flag's own figure
        assert (est.stunted, est.assessed) == (flag.numerator, flag.denominator)
        w, a, a_high = est.rate_weighed, est.rate_adjusted, est.rate_adjusted_high
        assert w is not None and a is not None and a_high is not None
        assert (est.weighed_ci_low or 0) <= w <= (est.weighed_ci_high or 1)
        assert (est.adjusted_ci_low or 0) <= a <= (est.adjusted_ci_high or 1) and a <= a_high
    q4 = PrevalenceEstimate.objects.get(level="district", period=Q4)
    # the two failing posyandu (HAZ-relevant checks) are set aside in the quality-adjusted rate
    assert q4.posyandu_set_aside == 2 and q4.children_set_aside > 100
    per_kec = dict(
        PrevalenceEstimate.objects.filter(level="kecamatan", period=Q4).values_list(
            "area_code", "posyandu_set_aside"
        )
    )
    kec = {k: v[:8] for k, v in planted.desa.items()}
    assert per_kec == {
        kec[planted.rounding]: 1,
        kec[planted.swapped]: 1,
        kec[planted.low_coverage]: 0,
        kec[planted.clean]: 0,
    }
    rows = sel.side_by_side(Q4)
    district = rows[0]
    assert district.level == "district" and district.survey is not None  # SSGI 2022 ships as data
    gap = district.gap
    assert gap is not None
    assert gap.coverage + gap.quality + gap.remainder == pytest.approx(gap.total)
    assert any("perkiraan" in s for s in district.explanation_id)
    assert {r.code for r in rows if r.level == "kecamatan"} == {d[:8] for d in planted.desa.values()}
    # the posyandu needing attention: the two with failed checks and the low-coverage one
    top = {a.group.key for a in sel.attention_list(Q4)}
    assert {planted.rounding, planted.swapped, planted.low_coverage} <= top
    assert planted.clean not in top


@pytest.mark.django_db
def test_the_page_the_training_and_the_survey(planted: Planted, personas: dict[str, Any]) -> None:
    dinkes = Client()
    dinkes.force_login(personas["dinkes"])
    page = dinkes.get("/mutu/", {"periode": Q4})
    assert page.status_code == 200
    body = page.content.decode()
    for testid in (
        "mutu-three",
        "mutu-explanation",
        "mutu-coverage-desa",
        "mutu-quality-table",
        "mutu-attention",
    ):
        assert f'data-testid="{testid}"' in body
    assert "dibulatkan ke ,0 atau ,5" in body and "SSGI 2022" in body
    assert AuditEvent.objects.filter(actor=personas["dinkes"], action=AuditAction.QUALITY_VIEWED).exists()
    assert dinkes.get("/mutu/", {"tingkat": "cadre"}).status_code == 200  # Dinkes reads e-PPGBM
    # bad input: a clear 400, never a 500
    assert dinkes.get("/mutu/", {"periode": "2024Q9"}).status_code == 400
    bad = dinkes.post("/mutu/pelatihan/", {"posyandu": planted.rounding, "tanggal": "kemarin", "materi": "x"})
    assert bad.status_code == 400 and "Tanggal tidak sah" in bad.content.decode()
    assert (
        dinkes.post("/mutu/survei/", {"wilayah": "61.07", "tahun": "2024", "nilai": "130"}).status_code == 400
    )

    ok = dinkes.post(
        "/mutu/pelatihan/",
        {
            "posyandu": planted.rounding,
            "tanggal": "2024-11-05",
            "materi": "Membaca alat ukur",
            "peserta": "5",
        },
    )
    assert ok.status_code == 302
    assert CadreTraining.objects.get().posyandu.code == planted.rounding
    (ba,) = sel.training_before_after()
    assert (ba.before_period, ba.after_period) == ("2024Q3", "2025Q1")
    assert ba.fails_before == 0 and ba.fails_after is None  # no data after the training yet

    saved = dinkes.post(
        "/mutu/survei/", {"wilayah": "61.07.01", "tahun": "2024", "nilai": "27,5", "sumber": "SKI 2023"}
    )
    assert saved.status_code == 302
    fig = SurveyFigure.objects.get(area_level="kecamatan", area_code="61.07.01")
    assert fig.value == pytest.approx(0.275)
    kec = next(r for r in sel.side_by_side(Q4) if r.code == "61.07.01")
    assert kec.survey is not None and kec.survey.source == "SKI 2023"

    # a role without aggregates is refused; the cadre level is not offered to a role without e-PPGBM
    assert Client().get("/mutu/").status_code == 302
    bappeda = Client()
    bappeda.force_login(personas["bappeda"])
    assert bappeda.get("/mutu/", {"tingkat": "cadre"}).status_code in (400, 403)
