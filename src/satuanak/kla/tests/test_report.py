"""The quarterly KLA report (issue 11 part 6): the data of a quarter equals the selectors' and
the dashboard's, the PDF and the workbook carry every section with the same numbers, the command
writes both files, the page is for those who may see aggregates, and a past quarter comes out
the same every time."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.flags.models import DesaHotspot, FlagAggregate
from satuanak.kla.report import SECTIONS, QuarterError, quarter_parse, quarters_up_to, report_build, small
from satuanak.kla.report_pdf import report_pdf
from satuanak.kla.report_xlsx import SHEET_TITLES, report_xlsx
from satuanak.kla.selectors import kla_scorecard
from satuanak.regions.models import Desa

Q3, Q4 = "2024Q3", "2024Q4"


def _aggregate(code: str, period: str, level: str, area: str, n: int, d: int) -> None:
    FlagAggregate.objects.create(
        code=code, period=period, level=level, area_code=area, numerator=n, denominator=d, rate=n / d
    )


@pytest.fixture
def dataset(reference_data: None, personas: dict[str, Any]) -> dict[str, Any]:
    """Two quarters of stunting and akta aggregates (one desa with too few children, one with a
    count under 5), three hotspot desa, a PRAP certificate given in Q4 and a GESIT PMT in Q4."""
    from satuanak.facilities.models import HealthFacility
    from satuanak.interventions.models import Intervention
    from satuanak.kla.services import kla_indicators_load
    from satuanak.persons.tests.factories import ChildFactory
    from satuanak.prap.models import Assessment
    from satuanak.prap.services import prap_standard_load

    kla_indicators_load()
    desa = list(Desa.objects.order_by("code")[:12])
    for period, district_n in ((Q3, 300), (Q4, 280)):
        _aggregate("stunting", period, "district", "61.07", district_n, 1500)
        _aggregate("no_akta", period, "district", "61.07", 900, 6000)
        for i, d in enumerate(desa):
            if i == 0:
                _aggregate("stunting", period, "desa", d.code, 2, 6)  # too few children
            elif i == 1:
                _aggregate("stunting", period, "desa", d.code, 3, 40)  # a count under 5
            else:
                _aggregate("stunting", period, "desa", d.code, 5 + i, 50)
            _aggregate("no_akta", period, "desa", d.code, 10 + i, 100)
    for d, cls, z in ((desa[3], "hot", 2.9), (desa[4], "hot", 3.4), (desa[5], "cold", -2.2)):
        DesaHotspot.objects.create(
            desa_code=d.code,
            period=Q4,
            index=0.5,
            gi_star_z=z,
            p_value=0.01,
            classification=cls,
            flags_used="x",
        )
    ledo = HealthFacility.objects.get(name="Puskesmas Ledo")
    standard = prap_standard_load()
    Assessment.objects.create(
        facility=ledo,
        version=standard,
        state="certified",
        started_by=personas["dinkes"],
        certified_on=date(2024, 11, 1),
        valid_until=date(2027, 10, 31),
        certified_by=personas["dinkes"],
        certificate_number="PRAP/UJI/001",
    )
    child = ChildFactory.create(desa=desa[2], birth_date=date(2023, 5, 1))
    Intervention.objects.create(
        child=child,
        kind="pmt",
        programme="GESIT",
        start_date=date(2024, 10, 15),
        given_by=personas["kader_sungai_duri"],
        answers_flag="stunting",
    )
    return {"desa": desa, "ledo": ledo}


@pytest.mark.django_db
def test_the_report_has_every_section_with_the_selectors_numbers(dataset: dict[str, Any]) -> None:
    report = report_build(quarter="2024q4")
    card = kla_scorecard(period=Q4)
    # the scorecard is the page's: same total, category and gap
    assert report.quarter == Q4 and report.end == date(2024, 12, 31)
    assert (report.scorecard.total, report.scorecard.category, report.scorecard.gap_to_utama) == (
        card.total,
        card.category,
        card.gap_to_utama,
    )
    assert len(report.scorecard.indicators) == 24
    # stunting: the district row the home dashboard shows
    row = FlagAggregate.objects.get(code="stunting", period=Q4, level="district")
    assert report.district_rate("stunting") == row.rate == pytest.approx(280 / 1500)
    stunting = next(t for t in report.flag_trends if t.code == "stunting")
    assert [(p.period, p.numerator) for p in stunting.points] == [(Q3, 300), (Q4, 280)]
    assert report.trend_periods == quarters_up_to(Q4, 4) == ("2024Q1", "2024Q2", Q3, Q4)
    assert [p for p, _, _ in report.score_trend] == list(report.trend_periods)
    assert report.score_trend[-1][1] == card.total
    # maps: the desa with too few children and the one with a count under 5 have no rate
    smap = next(m for m in report.maps if m.code == "stunting")
    cells = {c.desa_code: c for c in smap.cells}
    desa = dataset["desa"]
    assert cells[desa[0].code].why == "few" and cells[desa[0].code].rate is None
    assert cells[desa[1].code].why == "suppressed" and cells[desa[1].code].numerator == "<5"
    assert cells[desa[11].code].rate == pytest.approx(16 / 50) and cells[desa[11].code].klass == 4
    assert len(smap.breaks) == 4 and list(smap.breaks) == sorted(smap.breaks)
    assert {m.code for m in report.maps} == {"stunting", "no_akta"}
    # hotspots: hot first, strongest first, then cold
    assert [(h.desa_code, h.classification) for h in report.hotspots] == [
        (desa[4].code, "hot"),
        (desa[3].code, "hot"),
        (desa[5].code, "cold"),
    ]
    assert dict(report.hotspot_counts) == {"hot": 2, "cold": 1, "none": 0}
    # programmes: the GESIT PMT covers one child against the desa's flagged children
    gesit = next(p for p in report.programmes if p.programme == "GESIT")
    assert (gesit.flag, gesit.covered, gesit.target) == ("stunting", 1, 7)
    assert "Puskesmas Ledo" in dict(report.prap.certified_facilities)
    assert report.prap.certified_at_end == len(report.prap.certified_facilities)
    assert report.referrals == ()


@pytest.mark.django_db
def test_a_past_quarter_is_read_as_of_its_end_and_comes_out_the_same_twice(dataset: dict[str, Any]) -> None:
    q3 = report_build(quarter=Q3)
    assert q3.end == date(2024, 9, 30)
    # certified in November: not in the Q3 report, whatever the date the report is made
    assert "Puskesmas Ledo" not in dict(q3.prap.certified_facilities)
    assert q3.district_rate("stunting") == pytest.approx(300 / 1500)
    assert [p.period for p in next(t for t in q3.flag_trends if t.code == "stunting").points] == [Q3]
    assert q3.programmes == ()  # the PMT started in October
    assert q3.hotspots == ()
    assert report_build(quarter=Q3) == q3
    assert report_build(quarter=Q4) == report_build(quarter=Q4)


@pytest.mark.parametrize("bad", ["2024Q5", "2024", "Q4-2024", "", "1999Q1", "2024Q4x"])
def test_a_bad_quarter_is_refused_in_both_languages(bad: str) -> None:
    with pytest.raises(QuarterError, match=r"Triwulan tidak sah.*Invalid quarter"):
        quarter_parse(bad)


def test_counts_of_one_to_four_children_are_never_printed() -> None:
    assert [small(n) for n in (0, 1, 4, 5, 123, None)] == [0, "<5", "<5", 5, 123, "-"]


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_the_pdf_has_every_section_and_the_same_numbers(dataset: dict[str, Any]) -> None:
    report = report_build(quarter=Q4)
    data = report_pdf(report)
    assert data[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= len(SECTIONS) + 2  # cover, contents, a page or more per section
    text = _pdf_text(data)
    flat = " ".join(text.split())
    for _key, title_id, title_en in SECTIONS:
        assert title_id in flat, title_id
        assert title_en in flat, title_en
    assert "Daftar isi" in flat and "Halaman / page 3 / " in flat
    assert f"{report.scorecard.total:.2f}" in flat
    assert report.scorecard.category in flat
    assert "18.7%" in flat  # stunting 280/1500 in the trend table and on the map's heading
    assert "Perkiraan, bukan skor resmi" in flat
    # the one child covered by GESIT is "<5", never "1"
    table = flat[flat.index("Interventions per programme") : flat.index("GESIT (Gerakan")]
    assert "GESIT" in table and "<5" in table
    assert "Puskesmas Ledo" in flat


@pytest.mark.django_db
def test_the_workbook_has_one_sheet_per_section_with_the_same_numbers(dataset: dict[str, Any]) -> None:
    report = report_build(quarter=Q4)
    wb = load_workbook(io.BytesIO(report_xlsx(report)))
    assert wb.sheetnames == [SHEET_TITLES[key] for key, _, _ in SECTIONS]
    score = wb[SHEET_TITLES["scorecard"]]
    rows = [list(r) for r in score.iter_rows(values_only=True)]
    total_row = next(r for r in rows if r[0] == "TOTAL")
    assert total_row[10] == report.scorecard.total == kla_scorecard(period=Q4).total
    codes = [r[0] for r in rows[rows.index(next(r for r in rows if r[0] == "kode")) + 1 :] if r[0] != "TOTAL"]
    assert codes == [i.code for i in report.scorecard.indicators] and len(codes) == 24
    trends = [list(r) for r in wb[SHEET_TITLES["trends"]].iter_rows(values_only=True)]
    header = next(r for r in trends if r[0] == "jenis")
    rate_row = next(r for r in trends if r[0] == "penanda / flag (rate)" and r[1] == "stunting")
    assert rate_row[header.index(Q4)] == round(280 / 1500, 4)
    assert rate_row[header.index(Q3)] == round(300 / 1500, 4)
    maps = [list(r) for r in wb[SHEET_TITLES["maps"]].iter_rows(values_only=True)]
    suppressed = next(r for r in maps if r[0] == "stunting" and r[1] == dataset["desa"][1].code)
    assert suppressed[4] == "<5" and suppressed[6] == "-"
    hot = [list(r) for r in wb[SHEET_TITLES["hotspots"]].iter_rows(values_only=True)]
    assert sum(1 for r in hot if r[3] == "hot") == 2
    prog = [list(r) for r in wb[SHEET_TITLES["programmes"]].iter_rows(values_only=True)]
    gesit = next(r for r in prog if r[0] == "intervensi" and r[1] == "GESIT")
    assert gesit[3:5] == [7, "<5"]
    certified = next(r for r in prog if r[0] == "PRAP" and str(r[1]).startswith("tersertifikasi"))
    assert certified[3] == report.prap.certified_at_end


@pytest.mark.django_db
def test_the_command_writes_both_files(dataset: dict[str, Any], tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("kla_report", "--quarter", Q4, "--out", str(tmp_path / "laporan"), "--quiet", stdout=out)
    pdf, xlsx = (
        tmp_path / "laporan" / "laporan-kla-2024Q4.pdf",
        tmp_path / "laporan" / "laporan-kla-2024Q4.xlsx",
    )
    assert pdf.read_bytes()[:5] == b"%PDF-" and xlsx.read_bytes()[:2] == b"PK"
    assert f"{kla_scorecard(period=Q4).total:.2f}" in out.getvalue()
    with pytest.raises(CommandError, match="Invalid quarter"):
        call_command("kla_report", "--quarter", "2024Q9", "--out", str(tmp_path))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "fmt", "mime"), [("publik", "pdf", "application/pdf"), ("dinkes", "xlsx", "spreadsheetml")]
)
def test_the_page_gives_the_report_to_those_who_see_aggregates(
    dataset: dict[str, Any], personas: dict[str, Any], username: str, fmt: str, mime: str
) -> None:
    client = Client()
    client.force_login(personas[username])
    response = client.get(reverse("web:kla-report", args=[Q4, fmt]))
    assert response.status_code == 200
    assert mime in response["Content-Type"]
    assert f'filename="laporan-kla-2024Q4.{fmt}"' in response["Content-Disposition"]
    entry = AuditEvent.objects.get(action=AuditAction.EXPORTED, subject_type="kla_report")
    assert (entry.actor_username, entry.subject_id, entry.detail["format"]) == (username, Q4, fmt)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quarter", "fmt", "message"), [("2024Q7", "pdf", "Invalid quarter"), (Q4, "docx", "Unknown format")]
)
def test_a_bad_quarter_or_format_is_a_400(
    dataset: dict[str, Any], personas: dict[str, Any], quarter: str, fmt: str, message: str
) -> None:
    client = Client()
    client.force_login(personas["publik"])
    response = client.get(f"/kla/laporan/{quarter}.{fmt}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(subject_type="kla_report").exists()


@pytest.mark.django_db
def test_the_page_sends_an_anonymous_visitor_to_sign_in(reference_data: None) -> None:
    response = Client().get(reverse("web:kla-report", args=[Q4, "pdf"]))
    assert response.status_code == 302
    assert "login" in response["Location"] or "masuk" in response["Location"]


@pytest.mark.django_db
def test_section_8_shows_the_adolescent_programmes_and_says_where_there_is_no_data(
    dataset: dict[str, Any], personas: dict[str, Any]
) -> None:
    from satuanak.cegah.models import Kua
    from satuanak.cegah.services import cegah_kua_load, prevention_session_record

    cegah_kua_load()
    kua = Kua.objects.order_by("pk").first()
    assert kua is not None
    prevention_session_record(
        user=personas["dinkes"],
        kind="bimwin",
        date=date(2024, 11, 5),
        venue_kind="kua",
        venue_id=kua.pk,
        health_module=True,
        participants_female=12,
        participants_male=10,
        today=date(2024, 12, 31),
    )
    report = report_build(quarter=Q4)
    rows = {a.key: a for a in report.adolescents}
    assert list(rows) == [
        "child_marriage_rate",
        "pkpr_share",
        "posyandu_remaja_active",
        "anaemia_rate",
        "ttd_coverage",
        "mpls_coverage",
        "bimwin_coverage",
        "halo_answered_24h",
    ]
    bimwin = rows["bimwin_coverage"]
    assert Kua.objects.count() == 17
    assert (bimwin.numerator, bimwin.denominator) == (1, 17)
    assert bimwin.percent == pytest.approx(100 / 17, abs=1e-3)
    assert rows["pkpr_share"].percent is None and rows["halo_answered_24h"].percent is None
    flat = " ".join(_pdf_text(report_pdf(report)).split())
    section = flat[flat.index("9. Remaja dan pencegahan") :]
    assert "5.9%" in section and "belum ada data / no data" in section
