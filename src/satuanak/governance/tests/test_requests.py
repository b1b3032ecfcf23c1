"""People's requests about a child's data (UU 27/2022): an access request produces the full
record with the source of every value; a correction is routed to the agency whose source gave
the value; each request runs to its legal deadline; every look and change is audited."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.governance.models import CorrectionItem, SubjectRequest
from satuanak.governance.selectors import correction_queue, subject_request_rows, subject_requests_overdue
from satuanak.governance.services import request_deadlines, subject_record
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory, ChildRecordFactory
from satuanak.regions.models import Desa

LIST = "/tata-kelola/permintaan/"
QUEUE = "/tata-kelola/koreksi/"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _local(dt: Any) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def child(db: None) -> Child:
    """A child of Sungai Duri known to SIAK (identity) and e-PPGBM (birth date, mother's name),
    with a violence case that the steward may not read."""
    made = ChildFactory.create(
        desa=Desa.objects.get(code="61.07.01.2001"),
        name="ANAK PERMINTAAN",
        mother_name="IBU DARI EPPGBM",
        field_sources={
            "nik": "siak",
            "kk": "siak",
            "name": "siak",
            "sex": "siak",
            "desa": "siak",
            "dob": "eppgbm",
            "mother_name": "eppgbm",
        },
    )
    ChildRecordFactory.create(child=made, source="siak", batch_id=3, row_number=12, summary={"AKTA": "ADA"})
    ChildRecordFactory.create(
        child=made, source="eppgbm", batch_id=5, row_number=40, summary={"BB_KG": 9.1, "TB_CM": 74.5}
    )
    ChildRecordFactory.create(child=made, source="simfoni", batch_id=9, summary={"JENIS": "RAHASIA-KASUS"})
    return made


def _open(client: Client, child: Child, kind: str, **extra: Any) -> Any:
    data = {
        "aksi": "buka",
        "anak": child.nik,
        "jenis": kind,
        "pemohon": "Ibu Pemohon",
        "hubungan": "parent",
        "identitas": "KTP ibu dan KK dicocokkan dengan data anak",
        **extra,
    }
    return client.post(LIST, data)


@pytest.mark.django_db
def test_an_access_request_produces_the_full_record_with_sources(
    personas: dict[str, Any], child: Child
) -> None:
    steward = _client(personas["steward"])
    opened = _open(steward, child, "access")
    assert opened.status_code == 302
    req = SubjectRequest.objects.get()
    assert req.child == child and req.kind == "access" and req.status == "open"
    assert req.handled_by == personas["steward"]
    assert req.due_at == req.received_at + timedelta(hours=72)

    page = steward.get(opened["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "ANAK PERMINTAAN" in body and "SIAK (Disdukcapil)" in body and "e-PPGBM (gizi)" in body
    assert "AKTA: ADA" in body and "BB_KG: 9" in body
    assert "RAHASIA-KASUS" not in body  # the steward does not read violence cases
    assert child.nik not in body  # masked

    download = steward.get(f"{LIST}{req.pk}/rekaman.json")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    record = json.loads(download.content)
    fields = {f["field"]: f for f in record["fields"]}
    assert set(fields) == {"nik", "kk", "name", "sex", "dob", "mother_name", "desa"}
    assert fields["name"]["value"] == "ANAK PERMINTAAN" and fields["name"]["source"] == "siak"
    assert fields["dob"]["value"] == str(child.birth_date) and fields["dob"]["source"] == "eppgbm"
    assert fields["mother_name"]["source"] == "eppgbm"
    assert fields["nik"]["value"] != child.nik and fields["nik"]["value"].endswith(child.nik[-4:])
    assert [(r["source"], r["batch_id"], r["row_number"]) for r in record["records"]] == [
        ("eppgbm", 5, 40),
        ("siak", 3, 12),
    ]
    assert record["records"][1]["summary"] == {"AKTA": "ADA"}
    assert record["records"][1]["observed_on"] == "2024-06-01"
    assert record["withheld_sources"] == ["simfoni"] and "RAHASIA-KASUS" not in download.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORTED, subject_type="subject_request", subject_id=str(req.pk)
    ).exists()

    # a protection officer reading through the same chokepoint gets the violence case too,
    # and none of the health sources
    protection = subject_record(child, personas["ppa_sungai_raya"])
    assert {r["source"] for r in protection["records"]} == {"siak", "simfoni"}
    assert {f["field"]: f["source"] for f in protection["fields"]}["dob"] == "withheld"


@pytest.mark.django_db
def test_a_correction_is_routed_to_the_source_agency(personas: dict[str, Any], child: Child) -> None:
    steward = _client(personas["steward"])
    opened = _open(
        steward, child, "correction", koreksi_name="ANAK PERMINTAAN BARU", koreksi_dob="2020-03-03"
    )
    assert opened.status_code == 302
    req = SubjectRequest.objects.get()
    items = {i.field: i for i in req.corrections.all()}
    assert set(items) == {"name", "dob"}
    assert items["name"].source == "siak" and items["name"].current_value == "ANAK PERMINTAAN"
    assert items["dob"].source == "eppgbm" and items["dob"].requested_value == "2020-03-03"

    def queue(name: str) -> set[str]:
        return {i.field for i in correction_queue(personas[name])}

    assert queue("dukcapil") == {"name"}  # SIAK only
    assert queue("disdikbud") == {"name"}  # SIAK and DAPODIK
    assert queue("dinkes") == {"name", "dob"}  # SIAK and the health sources
    assert queue("kader_sungai_duri") == {"dob"}  # e-PPGBM, in her area
    assert queue("kader_samalantan") == set()  # e-PPGBM, but the child is outside her area
    assert queue("bappeda") == set()  # reads no children
    page = _client(personas["dukcapil"]).get(QUEUE).content.decode()
    assert "ANAK PERMINTAAN BARU" in page and "2020-03-03" not in page
    assert "ANAK PERMINTAAN" not in _client(personas["kader_samalantan"]).get(QUEUE).content.decode()

    dukcapil = _client(personas["dukcapil"])
    no_reason = dukcapil.post(QUEUE, {"aksi": "jawab", "butir": items["name"].pk, "keputusan": "rejected"})
    assert no_reason.status_code == 400 and "alasan" in no_reason.content.decode()
    not_theirs = dukcapil.post(QUEUE, {"aksi": "jawab", "butir": items["dob"].pk, "keputusan": "applied"})
    assert not_theirs.status_code == 400
    done = dukcapil.post(
        QUEUE,
        {"aksi": "jawab", "butir": items["name"].pk, "keputusan": "applied", "catatan": "SIAK diperbaiki"},
    )
    assert done.status_code == 302
    again = dukcapil.post(QUEUE, {"aksi": "jawab", "butir": items["name"].pk, "keputusan": "applied"})
    assert again.status_code == 400

    detail = f"{LIST}{req.pk}/"
    early = steward.post(detail, {"aksi": "jawab", "status": "answered", "hasil": "Nama diperbaiki"})
    assert early.status_code == 400 and "menunggu" in early.content.decode()
    kader = _client(personas["kader_sungai_duri"])
    assert (
        kader.post(
            QUEUE,
            {"aksi": "jawab", "butir": items["dob"].pk, "keputusan": "rejected", "catatan": "Buku KIA cocok"},
        ).status_code
        == 302
    )
    assert (
        steward.post(detail, {"aksi": "jawab", "status": "answered", "hasil": "Dijawab"}).status_code == 302
    )
    assert steward.post(detail, {"aksi": "jawab", "status": "closed", "hasil": ""}).status_code == 302
    req.refresh_from_db()
    statuses = dict(req.corrections.values_list("field", "status"))
    assert statuses == {"name": "applied", "dob": "rejected"}
    assert req.status == "closed" and req.answered_at is not None and "Dijawab" in req.outcome
    body = steward.get(detail).content.decode()
    assert "SIAK diperbaiki" in body and "Buku KIA cocok" in body
    assert (
        AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_type="correction_item").count()
        == 2
    )
    assert (
        AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_type="subject_request").count()
        == 3
    )


@pytest.mark.django_db
def test_deadlines_come_from_the_data_and_overdue_shows(
    personas: dict[str, Any], child: Child, settings: Any, tmp_path: Path
) -> None:
    deadlines = request_deadlines()
    assert {k: d["hours"] for k, d in deadlines.items()} == {"access": 72, "correction": 72, "objection": 72}
    assert all(d["verified"] is False for d in deadlines.values())
    steward = _client(personas["steward"])
    late = timezone.now() - timedelta(hours=80)
    _open(steward, child, "access", diterima=_local(late))
    _open(steward, child, "objection", isi="Keberatan data anak dipakai untuk peta publik")
    rows = {r.request.kind: r for r in subject_request_rows()}
    assert rows["access"].overdue and not rows["objection"].overdue
    assert subject_requests_overdue() == 1
    assert "lewat batas" in steward.get(LIST).content.decode()
    steward.post(
        f"{LIST}{rows['access'].request.pk}/", {"aksi": "jawab", "status": "answered", "hasil": "Salinan"}
    )
    (answered,) = [r for r in subject_request_rows() if r.request.kind == "access"]
    assert not answered.overdue and answered.in_time is False  # answered after 80 hours: late
    assert subject_requests_overdue() == 0

    # the deadlines are editable data: another file, another deadline
    folder = tmp_path / "governance"
    folder.mkdir()
    edited = json.loads(
        (Path(settings.SATUANAK_DATA_DIR) / "governance" / "request_deadlines.json").read_text()
    )
    edited["kinds"]["objection"]["hours"] = 24 * 14
    (folder / "request_deadlines.json").write_text(json.dumps(edited))
    settings.SATUANAK_DATA_DIR = tmp_path
    _open(steward, child, "objection", isi="Keberatan kedua")
    newest = SubjectRequest.objects.order_by("-id").first()
    assert newest is not None and newest.due_at - newest.received_at == timedelta(days=14)


@pytest.mark.django_db
def test_bad_input_is_a_400_and_writes_nothing(personas: dict[str, Any], child: Child) -> None:
    steward = _client(personas["steward"])
    cases = [
        ({"anak": "99999999"}, "tidak ditemukan"),
        ({"anak": "6107000000000000"}, "tidak ditemukan"),
        ({"anak": "abc"}, "tidak ditemukan"),
        ({"jenis": "delete"}, "jenis permintaan"),
        ({"pemohon": " "}, "nama pemohon"),
        ({"hubungan": "neighbour"}, "hubungan"),
        ({"identitas": ""}, "identitas"),
        ({"jenis": "objection"}, "keberatan"),
        ({"jenis": "correction"}, "paling sedikit satu"),
        ({"jenis": "correction", "koreksi_name": "ANAK PERMINTAAN"}, "sama dengan"),
        ({"diterima": _local(timezone.now() + timedelta(days=2))}, "masa depan"),
        ({"diterima": "kemarin"}, "tidak sah"),
    ]
    for extra, message in cases:
        data = {"jenis": "access", **extra}
        r = _open(steward, child, data.pop("jenis"), **data)
        assert r.status_code == 400, extra
        assert message in r.content.decode(), extra
    assert steward.post(LIST, {"aksi": "hapus"}).status_code == 400
    assert not SubjectRequest.objects.exists() and not CorrectionItem.objects.exists()

    _open(steward, child, "correction", koreksi_mother_name="IBU BENAR")
    req = SubjectRequest.objects.get()
    detail = f"{LIST}{req.pk}/"
    assert steward.post(detail, {"aksi": "jawab", "status": "closed"}).status_code == 400  # still open
    assert steward.post(detail, {"aksi": "jawab", "status": "open", "hasil": "x"}).status_code == 400
    assert steward.post(detail, {"aksi": "jawab", "status": "refused", "hasil": ""}).status_code == 400
    assert steward.post(detail, {"aksi": "lain"}).status_code == 400
    assert steward.get(f"{detail}rekaman.json").status_code == 404  # a correction has no download
    assert steward.get(f"{LIST}{req.pk + 100}/").status_code == 404
    assert steward.post(QUEUE, {"aksi": "jawab", "butir": "x", "keputusan": "applied"}).status_code == 400
    assert (
        steward.post(QUEUE, {"aksi": "jawab", "butir": "999999", "keputusan": "applied"}).status_code == 400
    )
    item = req.corrections.get()
    assert steward.post(QUEUE, {"aksi": "jawab", "butir": item.pk, "keputusan": "maybe"}).status_code == 400
    req.refresh_from_db()
    item.refresh_from_db()
    assert req.status == "open" and item.status == "pending"
    refused = steward.post(detail, {"aksi": "jawab", "status": "refused", "hasil": "Identitas tidak cocok"})
    assert refused.status_code == 302
    assert steward.post(detail, {"aksi": "jawab", "status": "answered", "hasil": "x"}).status_code == 400


@pytest.mark.django_db
def test_other_roles_are_refused_and_every_look_is_audited(personas: dict[str, Any], child: Child) -> None:
    steward = _client(personas["steward"])
    _open(steward, child, "access")
    req = SubjectRequest.objects.get()
    for url in (LIST, f"{LIST}{req.pk}/", f"{LIST}{req.pk}/rekaman.json"):
        for name in ("dinkes", "dukcapil", "ppa", "bappeda", "publik"):
            assert _client(personas[name]).get(url).status_code == 403, (name, url)
        assert Client().get(url).status_code == 302
    for name in ("bappeda", "publik", "bidan_rsud"):
        assert _client(personas[name]).get(QUEUE).status_code == 403, name
    assert AuditEvent.objects.filter(actor=personas["dinkes"], action=AuditAction.ACCESS_DENIED).exists()

    steward.get(LIST)
    steward.get(f"{LIST}{req.pk}/")
    steward.get(f"{LIST}{req.pk}/rekaman.json")
    _client(personas["dukcapil"]).get(QUEUE)
    looks = AuditEvent.objects.filter(action=AuditAction.GOVERNANCE_VIEWED)
    assert looks.filter(actor=personas["steward"], subject_type="subject_request", subject_id="").exists()
    assert looks.filter(actor=personas["steward"], subject_id=str(req.pk)).exists()
    assert looks.filter(actor=personas["dukcapil"], subject_type="correction_queue").exists()
    # the child is opened through the access chokepoint each time it is shown or exported
    assert (
        AuditEvent.objects.filter(
            actor=personas["steward"], action=AuditAction.CHILD_VIEWED, subject_id=str(child.pk)
        ).count()
        >= 3  # opening the request, its page, its download
    )
    assert AuditEvent.objects.filter(actor=personas["steward"], action=AuditAction.EXPORTED).count() == 1
