"""The upload page: who may load what, progress and summary, the error report."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.imports.models import ImportBatch

SIMFONI_CSV = (
    "NO REGISTER;TGL LAPOR;NIK KORBAN;NAMA KORBAN;JK;TGL LAHIR;UMUR;DESA;JENIS KEKERASAN;TEMPAT KEJADIAN;"
    "LAYANAN;STATUS\n"
    "001/PPA/I/2024;04-01-2024;6107094603070026;Filipus Sandi;P;06-03-2007;17;Teriak;Fisik;Rumah Tangga;"
    "Kesehatan;Selesai\n"
    "002/PPA/I/2024;04-01-2099;6107090603070026;Nama Lain;L;06-03-2007;17;Desa Khayalan;Fisik;Rumah Tangga;"
    "Kesehatan;Selesai\n"
).encode("cp1252")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(client: Client, source: str, name: str, content: bytes) -> Any:
    return client.post("/impor/", {"sumber": source, "berkas": SimpleUploadedFile(name, content)})


@pytest.mark.django_db
def test_protection_officer_uploads_simfoni_and_sees_the_rejects(personas: dict[str, Any]) -> None:
    ppa = _client(personas["ppa"])
    response = _upload(ppa, "simfoni", "simfoni.csv", SIMFONI_CSV)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.rows_in, batch.accepted, batch.rejected) == (2, 1, 1)
    page = ppa.get(response["Location"]).content.decode()
    assert "Desa Khayalan" in page or "desa" in page.lower()
    report = ppa.get(f"/impor/{batch.pk}/ditolak.csv")
    assert report.status_code == 200
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert len(rows) == 1 and rows[0]["NAMA KORBAN"] == "Nama Lain" and rows[0]["ALASAN"]
    assert AuditEvent.objects.filter(actor=personas["ppa"], action=AuditAction.FILE_DOWNLOADED).exists()


@pytest.mark.django_db
def test_steward_sees_counts_of_a_violence_file_but_not_its_rows(personas: dict[str, Any]) -> None:
    _upload(_client(personas["ppa"]), "simfoni", "simfoni.csv", SIMFONI_CSV)
    batch = ImportBatch.objects.get()
    steward = _client(personas["steward"])
    page = steward.get(f"/impor/{batch.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nama Lain" not in body and "6107090603070026" not in body
    assert steward.get(f"/impor/{batch.pk}/ditolak.csv").status_code == 403


@pytest.mark.django_db
def test_only_entitled_sources_can_be_uploaded(personas: dict[str, Any]) -> None:
    response = _upload(_client(personas["ppa"]), "siak", "siak.csv", b"NIK,NAMA\n1,2\n")
    assert response.status_code == 400
    assert "Pilih sumber" in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert _client(personas["dinkes"]).get("/impor/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("kosong.csv", b"", "tidak kosong"), ("laporan.pdf", b"%PDF-1.4 ...", "CSV, XLSX atau XLS")],
)
def test_bad_uploads_get_a_400_with_a_message(
    personas: dict[str, Any], name: str, content: bytes, message: str
) -> None:
    response = _upload(_client(personas["steward"]), "siak", name, content)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.django_db
def test_a_file_that_is_not_a_table_fails_with_its_reason_not_a_500(personas: dict[str, Any]) -> None:
    steward = _client(personas["steward"])
    response = _upload(steward, "eppgbm", "timbang.xlsx", b"PK\x03\x04 not really a workbook")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    page = steward.get(response["Location"])
    assert page.status_code == 200
    assert batch.message in page.content.decode()


@pytest.mark.django_db
def test_an_upload_is_linked_into_children_and_flagged_without_another_step(
    personas: dict[str, Any], reference_data: None, tmp_path: Any
) -> None:
    from datetime import date
    from pathlib import Path

    from django.conf import settings

    from satuanak.flags.models import ChildFlag
    from satuanak.linkage.models import LinkageRun
    from satuanak.persons.models import Child
    from satuanak.synth import generate_district

    generate_district(
        out_dir=tmp_path,
        children=300,
        seed=4,
        reference_date=date(2024, 12, 31),
        data_dir=Path(settings.SATUANAK_DATA_DIR),
    )
    (siak,) = (tmp_path / "exports" / "siak").glob("*.csv")
    steward = _client(personas["steward"])
    response = _upload(steward, "siak", siak.name, siak.read_bytes())
    assert response.status_code == 302  # the test settings run tasks at once: import, linkage, flags
    run = LinkageRun.objects.get()
    assert run.status == LinkageRun.Status.DONE and run.started_by == personas["steward"]
    assert Child.objects.count() == run.stats["children"] > 100
    assert ChildFlag.objects.filter(code="no_akta").exists()
