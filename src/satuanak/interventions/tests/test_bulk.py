"""Bulk import of interventions: the platform's template, and files that only resemble it."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.flags.services import flag_rules_load
from satuanak.interventions.bulk import COLUMNS, interventions_import, template_xlsx
from satuanak.interventions.models import Intervention
from satuanak.interventions.services import InterventionError
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa


@pytest.fixture
def kids(reference_data: None) -> dict[str, Any]:
    flag_rules_load()
    sungai_duri = Desa.objects.get(code="61.07.01.2001")
    elsewhere = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    return {
        "a": ChildFactory.create(desa=sungai_duri, birth_date=date(2022, 5, 1), nik="6107014105220001"),
        "b": ChildFactory.create(desa=sungai_duri, birth_date=date(2023, 1, 9), nik="6107014901230002"),
        "far": ChildFactory.create(desa=elsewhere, birth_date=date(2022, 5, 1), nik="6107024105220003"),
    }


def _filled_template(tmp_path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    ws = wb["Intervensi"]
    for row in rows:
        ws.append(row)
    out = tmp_path / "intervensi.xlsx"
    wb.save(out)
    return out


@pytest.mark.django_db
def test_the_template_has_the_columns_the_lists_and_the_instructions() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert wb.sheetnames == ["Intervensi", "Jenis", "Penanda", "Petunjuk"]
    header = [c.value for c in wb["Intervensi"][5]]  # after three lines of notes and a blank row
    assert header == [c.header for c in COLUMNS]
    kinds = {r[0] for r in wb["Jenis"].iter_rows(min_row=2, values_only=True)}
    assert {"pmt", "home_visit", "immunisation_catch_up"} <= kinds
    assert wb["Intervensi"].data_validations.dataValidation, "JENIS offers a drop-down"


@pytest.mark.django_db
def test_every_row_is_recorded_or_rejected_with_its_reason_and_a_second_upload_adds_nothing(
    kids: dict[str, Any], personas: dict[str, Any], tmp_path: Path
) -> None:
    cadre = personas["kader_sungai_duri"]
    a, b, far = kids["a"], kids["b"], kids["far"]
    path = _filled_template(
        tmp_path,
        [
            [a.nik, None, "pmt", "GESIT", "2024-03-01", "2024-06-08", "Posyandu Mawar", "stunting", "telur"],
            [
                None,
                b.pk,
                "Kunjungan rumah TPK",
                "",
                date(2024, 4, 2),
                None,
                "rumah",
                "",
                "",
            ],  # a real date cell
            [
                b.nik,
                None,
                "Imunisasi kejar",
                "",
                "15/04/2024",
                None,
                "",
                "Imunisasi belum lengkap sesuai umur",
                "",
            ],
            [far.nik, None, "pmt", "GESIT", "2024-03-01", None, "", "", ""],  # another area
            [a.nik, None, "pijat bayi", "", "2024-03-01", None, "", "", ""],  # unknown type
            [a.nik, None, "pmt", "", "31/02/2024", None, "", "", ""],  # no such date
            [a.nik, None, "pmt", "", "2021-01-01", None, "", "", ""],  # before birth
            ["61070141", None, "pmt", "", "2024-03-01", None, "", "", ""],  # a NIK cut short
            [a.nik, None, "pmt", "", "2024-03-01", None, "", "gizi buruk sekali", ""],  # unknown flag
        ],
    )
    report = interventions_import(user=cadre, path=path, file_name="intervensi.xlsx")
    assert report.rows_in == 9 and report.accounted
    assert len(report.recorded) == 3
    rejected = dict(report.rejected)
    assert sorted(rejected) == [9, 10, 11, 12, 13, 14]  # spreadsheet rows (header on row 5)
    assert "wilayah Anda" in rejected[9] and "Jenis tidak dikenal" in rejected[10]
    assert "Tanggal mulai tidak sah" in rejected[11] and "sebelum anak lahir" in rejected[12]
    assert "NIK tidak sah" in rejected[13] and "Penanda tidak dikenal" in rejected[14]
    pmt = Intervention.objects.get(child=a)
    assert (pmt.kind, pmt.programme, pmt.start_date, pmt.end_date, pmt.answers_flag) == (
        "pmt",
        "GESIT",
        date(2024, 3, 1),
        date(2024, 6, 8),
        "stunting",
    )
    assert (
        Intervention.objects.get(child=b, kind="immunisation_catch_up").answers_flag
        == "immunisation_incomplete"
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.IMPORT_RUN, subject_type="intervention_import"
    ).exists()

    again = interventions_import(user=cadre, path=path, file_name="intervensi.xlsx")
    assert again.recorded == [] and again.accounted
    assert sum("Sudah tercatat" in reason for _, reason in again.rejected) == 3
    assert Intervention.objects.count() == 3


@pytest.mark.django_db
def test_a_csv_with_other_header_spellings_and_a_title_row_is_read(
    kids: dict[str, Any], personas: dict[str, Any], tmp_path: Path
) -> None:
    a = kids["a"]
    path = tmp_path / "pmt.csv"
    path.write_text(
        "DAFTAR PMT PUSKESMAS SUNGAI DURI TRIWULAN I\n"
        "\n"
        "No;NIK Balita;Jenis Kegiatan;Tgl. Kegiatan;Keterangan\n"
        f"1;'{a.nik};PMT lokal;5 Maret 2024;telur dan susu\n",
        encoding="cp1252",
    )
    report = interventions_import(user=personas["pkm_sungai_duri"], path=path, file_name="pmt.csv")
    assert report.rows_in == 1 and report.rejected == [], report.rejected
    item = Intervention.objects.get(pk=report.recorded[0])
    assert (item.child_id, item.kind, item.start_date, item.notes) == (
        a.pk,
        "pmt",
        date(2024, 3, 5),
        "telur dan susu",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"NAMA;ALAMAT\nBUDI;JL MAWAR\n", "Kolom wajib tidak ditemukan"),
        (b"", "kosong"),
        (b"PK\x03\x04 not really a workbook", ""),
    ],
)
def test_a_file_that_is_not_the_template_records_nothing(
    kids: dict[str, Any], personas: dict[str, Any], tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(InterventionError) as err:
        interventions_import(user=personas["kader_sungai_duri"], path=path, file_name="x.xlsx")
    assert message in str(err.value) and " / " in str(err.value)  # Indonesian / English
    assert Intervention.objects.count() == 0
