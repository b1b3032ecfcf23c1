"""The quarterly KLA report's nutrition section (issue 17 in the report): the stunting rate three
ways per district and kecamatan as mutu.selectors gives them, the posyandu most needing attention,
cadre trainings as of the quarter's end, in the PDF and the workbook; and a quarter without the
mutu figures still has the section, saying so in both languages."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from openpyxl import load_workbook
from pypdf import PdfReader

from satuanak.kla.models import IndicatorSet
from satuanak.kla.report import SECTIONS, report_build
from satuanak.kla.report_pdf import report_pdf
from satuanak.kla.report_xlsx import NUTRITION_HEADER, SHEET_TITLES, report_xlsx

Q4 = "2024Q4"
HEADING_ID = "Gizi: stunting, cakupan penimbangan dan mutu data"
HEADING_EN = "Nutrition: stunting, weighing coverage and data quality"


def _flat_pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _section(flat: str) -> str:
    """The section's text: from its heading (the contents page has it first) to the next section."""
    start = flat.rindex(f"4. {HEADING_ID}")
    return flat[start : flat.index("5. Peta indikator kunci", start)]


def _sheet_rows(data: bytes, title: str) -> list[list[Any]]:
    return [list(r) for r in load_workbook(io.BytesIO(data))[title].iter_rows(values_only=True)]


@pytest.fixture
def mutu_figures(
    tmp_path: Path, reference_data: None, personas: dict[str, Any], kla_set: IndicatorSet
) -> dict[str, Any]:
    """The planted e-PPGBM file of mutu/tests/planted.py through import, linkage, flags and mutu
    (2024Q3 and 2024Q4), and two trainings of the rounding posyandu: one in the quarter, one after it."""
    from satuanak.core.sources import Source
    from satuanak.facilities.models import Posyandu
    from satuanak.flags.services import flags_recompute
    from satuanak.imports.services import import_file_run
    from satuanak.linkage.services import linkage_run
    from satuanak.mutu.models import CadreTraining
    from satuanak.mutu.services import mutu_recompute
    from satuanak.mutu.tests.planted import plant

    planted = plant(tmp_path, Path(settings.SATUANAK_DATA_DIR))
    import_file_run(source=Source.EPPGBM, path=planted.path)
    as_of = date(2024, 12, 31)
    linkage_run(as_of=as_of)
    flags_recompute(as_of=as_of)
    mutu_recompute(as_of=as_of)
    rounding = Posyandu.objects.get(code=planted.rounding)
    for held_on, topic in ((date(2024, 11, 20), "Cara ukur panjang badan"), (date(2025, 2, 3), "Penyegaran")):
        CadreTraining.objects.create(posyandu=rounding, held_on=held_on, topic=topic, participants=6)
    return {"planted": planted, "rounding": rounding}


@pytest.mark.django_db
def test_the_nutrition_section_carries_the_mutu_figures_into_the_pdf_and_the_workbook(
    mutu_figures: dict[str, Any],
) -> None:
    from satuanak.mutu.selectors import side_by_side

    assert [k for k, _, _ in SECTIONS].index("nutrition") == [k for k, _, _ in SECTIONS].index("trends") + 1
    report = report_build(quarter=Q4)
    n = report.nutrition
    areas = side_by_side(Q4)
    # the same rows, in the same order, with the same rates as the mutu page's
    assert [(r.level, r.code) for r in n.rows] == [(a.level, a.code) for a in areas]
    assert n.rows[0].level == "district" and n.district is n.rows[0]
    for row, a in zip(n.rows, areas, strict=True):
        assert (row.weighed, row.adjusted, row.adjusted_high, row.quality) == (
            a.weighed,
            a.adjusted,
            a.adjusted_high,
            a.quality,
        )
        assert (row.known, row.assessed_known, row.coverage) == (a.known, a.assessed_known, a.coverage)
    district, d_area = n.rows[0], areas[0]
    rate, low, high = district.weighed
    assert rate is not None and low is not None and high is not None and low < rate < high
    # the district's SSGI figure (flags' survey_figures.csv) and the gap split into its parts
    assert d_area.survey is not None and d_area.gap is not None
    assert (district.survey_value, district.survey_source, district.survey_year) == (
        d_area.survey.value,
        d_area.survey.source,
        d_area.survey.year,
    )
    assert district.gap_total == pytest.approx(
        (district.gap_coverage or 0) + (district.gap_quality or 0) + (district.gap_remainder or 0)
    )
    assert n.explanation_id == tuple(d_area.explanation_id) and len(n.explanation_en) == len(n.explanation_id)
    # the rounding posyandu failed the terminal-digit check: it is among those needing attention
    rounding = mutu_figures["rounding"]
    flagged = next(a for a in n.attention if a.posyandu == rounding.name)
    assert flagged.score >= 2 and any("dibulatkan" in r for r in flagged.readings_id)
    assert len(n.attention) <= 10
    # trainings as of the quarter's end: the February 2025 one is not there, and the quarter after
    # November's training (2025Q1) is later than the report's, so its "fails after" is left empty
    assert [(t.posyandu, t.held_on) for t in n.trainings] == [(rounding.name, date(2024, 11, 20))]
    assert (n.trainings[0].before_period, n.trainings[0].after_period) == ("2024Q3", "2025Q1")
    assert n.trainings[0].fails_before == 0 and n.trainings[0].fails_after is None
    assert flagged.last_training == date(2024, 11, 20)

    # the PDF: the section's heading, the district's rates the Indonesian way, the posyandu
    flat = _flat_pdf_text(report_pdf(report))
    assert f"4. {HEADING_ID}" in flat and HEADING_EN in flat
    section = _section(flat)
    weighed = f"{100 * (district.weighed[0] or 0):.1f}%".replace(".", ",")
    adjusted = f"{100 * (district.adjusted[0] or 0):.1f}%".replace(".", ",")
    assert weighed in section and adjusted in section
    assert "Kabupaten Bengkayang" in section and "SSGI 2022" in section
    assert "Metode / Method" in section and "missing at random within the stratum" in section
    # the rounding posyandu is its kecamatan's only one: that quality-adjusted rate is all borrowed
    assert "its quality-adjusted rate is wholly borrowed from other areas" in section
    attention = section[section.index("Posyandu needing attention most") : section.index("Cadre trainings")]
    assert rounding.name in attention and "Peningkatan Kapasitas Kader" in section
    assert "Cara ukur panjang badan" in section and "Penyegaran" not in section
    # the sections after it moved one on
    assert "9. Remaja dan pencegahan perkawinan anak" in flat

    # the workbook: the sheet after the trends, the district row with the same rates
    data = report_xlsx(report)
    assert load_workbook(io.BytesIO(data)).sheetnames[3] == SHEET_TITLES["nutrition"] == "4 Gizi"
    rows = _sheet_rows(data, SHEET_TITLES["nutrition"])
    header = rows.index(NUTRITION_HEADER)
    body = [dict(zip(NUTRITION_HEADER, r, strict=True)) for r in rows[header + 1 :]]
    assert [(r["tingkat"], r["kode"]) for r in body] == [(a.level, a.code) for a in areas]
    top = body[0]
    assert (top["wilayah"], top["balita dikenal"]) == ("Kabupaten Bengkayang", district.known)
    assert top["berbasis penimbangan"] == round(district.weighed[0] or 0, 4)
    assert top["disesuaikan cakupan"] == round(district.adjusted[0] or 0, 4)
    assert top["disesuaikan mutu"] == round(district.quality[0] or 0, 4)
    assert top["survei"] == round(district.survey_value or 0, 4) and top["sumber survei"] == "SSGI 2022"
    assert top["selisih cakupan (poin)"] == round(100 * (district.gap_coverage or 0), 2)
    assert any(d_area.explanation_en[0] in str(r[0]) for r in rows[:header])


@pytest.mark.django_db
def test_a_quarter_without_mutu_figures_still_has_the_section_saying_so(
    reference_data: None, kla_set: IndicatorSet
) -> None:
    report = report_build(quarter=Q4)
    n = report.nutrition
    assert (n.rows, n.explanation_id, n.attention, n.trainings) == ((), (), (), ())
    assert n.district is None
    flat = _flat_pdf_text(report_pdf(report))
    section = _section(flat)
    assert f"Belum ada angka stunting, cakupan penimbangan dan mutu data untuk triwulan {Q4}" in section
    assert f"No stunting, weighing-coverage or data-quality figures for quarter {Q4} yet" in section
    assert "No cadre training recorded by the quarter's end" in section
    rows = _sheet_rows(report_xlsx(report), SHEET_TITLES["nutrition"])
    assert rows[-1] == NUTRITION_HEADER  # the header and no area
    assert any(
        f"No stunting, weighing-coverage or data-quality figures for quarter {Q4}" in str(r[0]) for r in rows
    )
