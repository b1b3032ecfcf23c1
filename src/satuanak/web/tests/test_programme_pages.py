"""The programme report (page and Excel), the follow-up list and the bulk-import page."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.flags.models import ChildFlag, FlagAggregate, FlagRun
from satuanak.interventions.models import Intervention
from satuanak.interventions.selectors import programme_report
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

SUNGAI_DURI = "61.07.01.2001"


def _flag(child: Any, day: date, status: str, z: float) -> None:
    ChildFlag.objects.create(
        child=child,
        code="stunting",
        rule_version=1,
        period=f"{day.year}Q{(day.month - 1) // 3 + 1}",
        observed_on=day,
        status=status,
        value=z,
        reason_id="uji",
        reason_en="test",
    )


@pytest.fixture
def programme(reference_data: None, personas: dict[str, Any]) -> dict[str, Any]:
    """Two stunted children of Sungai Duri fed by GESIT: one re-measured and cleared, one never
    re-measured (its follow-up is overdue by mid-year)."""
    desa = Desa.objects.get(code=SUNGAI_DURI)
    fed = ChildFactory.create(desa=desa, birth_date=date(2022, 8, 1), name="ANAK MEMBAIK")
    lost = ChildFactory.create(desa=desa, birth_date=date(2022, 9, 1), name="ANAK BELUM DIUKUR")
    _flag(fed, date(2024, 2, 20), "flagged", -2.6)
    _flag(fed, date(2024, 6, 12), "clear", -1.9)
    _flag(lost, date(2024, 1, 5), "flagged", -3.3)
    for child, start in ((fed, date(2024, 3, 1)), (lost, date(2024, 1, 10))):
        Intervention.objects.create(
            child=child,
            kind="pmt",
            programme="GESIT",
            start_date=start,
            given_by=personas["kader_sungai_duri"],
            answers_flag="stunting",
        )
    FlagRun.objects.create(status="done", as_of=date(2024, 6, 30))
    for period, n in (("2024Q1", 7), ("2024Q2", 6)):
        FlagAggregate.objects.create(
            code="stunting",
            period=period,
            level="desa",
            area_code=SUNGAI_DURI,
            numerator=n,
            denominator=40,
            rate=n / 40,
        )
    return {"fed": fed, "lost": lost}


@pytest.mark.django_db
def test_the_report_counts_covered_and_improved_separately_per_period(
    programme: dict[str, Any], personas: dict[str, Any]
) -> None:
    officer = personas["pkm_sungai_duri"]
    year = programme_report(user=officer, period="2024", today=date(2026, 1, 1))
    (row,) = year.rows
    assert (row.programme, row.flag, row.desa_code) == ("GESIT", "stunting", SUNGAI_DURI)
    assert (row.target, row.covered, row.improved, row.overdue) == (6, 2, 1, 1)
    assert row.mean_z_change == pytest.approx(0.7)
    q1 = programme_report(user=officer, period="2024Q1", today=date(2026, 1, 1))
    assert (q1.rows[0].target, q1.rows[0].covered, q1.rows[0].improved, q1.rows[0].overdue) == (7, 2, 0, 0)
    # Another area's puskesmas sees none of it.
    assert programme_report(user=personas["pkm_samalantan"], period="2024", today=date(2026, 1, 1)).rows == []


@pytest.mark.django_db
def test_report_page_and_excel(programme: dict[str, Any], personas: dict[str, Any]) -> None:
    client = Client()
    client.force_login(personas["pkm_sungai_duri"])
    page = client.get("/program/", {"periode": "2024"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "GESIT" in body and "ANAK MEMBAIK" not in body  # counts only
    assert AuditEvent.objects.filter(
        action=AuditAction.CHILD_LIST_VIEWED, subject_type="programme_report"
    ).exists()

    xlsx = client.get("/program/laporan.xlsx", {"periode": "2024"})
    assert xlsx.status_code == 200 and xlsx["Cache-Control"] == "no-store"
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] == "PROGRAM")
    header, first = rows[header_at], rows[header_at + 1]
    values = dict(zip(header, first, strict=True))
    assert (values["DESA"], values["SASARAN"], values["TERCAKUP"], values["MEMBAIK"]) == (
        "Sungai Duri",
        6,
        2,
        1,
    )
    assert values["TINDAK_LANJUT_TERLAMBAT"] == 1
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, subject_type="programme_report").exists()

    bad = client.get("/program/", {"periode": "2024Q9"})
    assert bad.status_code == 400 and "Periode tidak sah" in bad.content.decode()


@pytest.mark.django_db
def test_a_cadre_cannot_open_the_report_but_sees_her_follow_ups(
    programme: dict[str, Any], personas: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(personas["kader_sungai_duri"])
    assert client.get("/program/").status_code == 403
    page = client.get("/program/tindak-lanjut/", {"tanggal": "2024-06-30"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "ANAK BELUM DIUKUR" in body and "terlambat" in body
    assert "ANAK MEMBAIK" not in body  # its outcome is known: nothing to follow up
    assert client.get("/program/tindak-lanjut/", {"tanggal": "30-06"}).status_code == 400


@pytest.mark.django_db
def test_import_page_takes_the_template_and_answers_bad_files_with_400(
    programme: dict[str, Any], personas: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(personas["kader_sungai_duri"])
    page = client.get("/intervensi/impor/")
    assert page.status_code == 200 and "/intervensi/templat.xlsx" in page.content.decode()
    template = client.get("/intervensi/templat.xlsx")
    assert template.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(template.content))
    ws = wb["Intervensi"]
    ws.append([None, programme["lost"].pk, "pmt", "GESIT", "2024-05-02", None, "Posyandu", "stunting", ""])
    buf = io.BytesIO()
    wb.save(buf)
    before = Intervention.objects.count()
    ok = client.post("/intervensi/impor/", {"berkas": SimpleUploadedFile("isi.xlsx", buf.getvalue())})
    assert ok.status_code == 200
    result = ok.content.decode().split('data-testid="import-result">')[1].split("</p>")[0]
    assert "<strong>1</strong> tercatat" in result, ok.content.decode().split("<main")[1][:2500]
    assert Intervention.objects.count() == before + 1
    junk = client.post("/intervensi/impor/", {"berkas": SimpleUploadedFile("x.csv", b"A;B\n1;2\n")})
    assert junk.status_code == 400 and "Kolom wajib tidak ditemukan" in junk.content.decode()
    assert Intervention.objects.count() == before + 1


@pytest.mark.django_db
def test_the_childs_page_shows_what_was_done_and_what_came_of_it(
    programme: dict[str, Any], personas: dict[str, Any]
) -> None:
    client = Client()
    client.force_login(personas["pkm_sungai_duri"])
    fed = client.get(f"/anak/{programme['fed'].pk}/").content.decode()
    section = fed.split('data-testid="interventions"')[1].split("</section>")[0]
    assert "PMT" in section and "GESIT" in section
    assert "membaik (penanda hilang)" in section and "Δz +0.70" in section
    lost = client.get(f"/anak/{programme['lost'].pk}/").content.decode()
    assert "terlambat / overdue" in lost.split('data-testid="interventions"')[1].split("</section>")[0]
