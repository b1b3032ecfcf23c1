"""Duta Adminduk Sekolah: the school's students without documents, the collective request,
Disdukcapil's steps per student, and the registry import that clears the flags."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satuanak.applications import states as s
from satuanak.applications.models import SchoolRequest, SchoolRequestAttachment, SchoolRequestStudent
from satuanak.applications.services import (
    ApplicationError,
    ApplicationPermissionError,
    Decision,
    StudentPick,
    school_request_attach,
    school_request_create,
    school_request_submit,
    school_student_process,
    school_student_resubmit,
    school_students_lacking_documents,
)
from satuanak.applications.tests.conftest import PDF, PNG, REFERENCE
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.flags.models import ChildFlag
from satuanak.flags.services import flags_recompute
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import staged_records
from satuanak.linkage.services import linkage_run
from satuanak.persons.models import Child, ChildRecord

pytestmark = pytest.mark.django_db


def _flagged(child_id: int) -> set[str]:
    return set(
        ChildFlag.objects.filter(
            child_id=child_id, code__in=("no_akta", "no_kia"), status="flagged"
        ).values_list("code", flat=True)
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_school_walk_from_students_lacking_documents_to_cleared_flags(
    linked: dict[str, Any], personas: dict[str, Any]
) -> None:
    duta, officer, school = linked["ambassador"], personas["dukcapil"], linked["school"]
    lacking = school_students_lacking_documents(duta)
    assert len(lacking) >= 2
    for row in lacking:  # each one the school's active student, flagged without akta or KIA
        assert ChildRecord.objects.filter(
            child=row.child, source="dapodik", summary__npsn=school.npsn, summary__status="Aktif"
        ).exists()
        assert _flagged(row.child.pk) == {
            c for c, on in (("no_akta", row.no_akta), ("no_kia", row.no_kia)) if on
        }
        assert row.child.desa is not None and row.child.desa.kecamatan_id == linked["kecamatan_id"]
    a, b = lacking[0], lacking[1]

    school_request = school_request_create(
        user=duta, picks=[StudentPick(r.child.pk, r.no_akta, r.no_kia) for r in (a, b)]
    )
    assert school_request.state == s.REQUEST_DRAFT and school_request.school == school
    with pytest.raises(ApplicationError, match="sudah ada dalam pengajuan"):  # no student twice
        school_request_create(user=duta, picks=[StudentPick(a.child.pk, True, True)])
    with pytest.raises(ApplicationError, match="belum punya dokumen"):
        school_request_submit(user=duta, school_request_id=school_request.pk)
    student_a = school_request.students.get(child=a.child)
    student_b = school_request.students.get(child=b.child)
    with pytest.raises(ApplicationError, match="PDF, PNG atau JPEG"):
        school_request_attach(
            user=duta,
            student_id=student_a.pk,
            kind=s.BIRTH_LETTER,
            files=[SimpleUploadedFile("x.pdf", b"MZ\x90")],
        )
    assert not SchoolRequestAttachment.objects.exists()
    for kind in (s.BIRTH_LETTER, s.KK_COPY, s.PARENT_ID):
        school_request_attach(
            user=duta, student_id=student_a.pk, kind=kind, files=[SimpleUploadedFile(f"{kind}.pdf", PDF)]
        )
    school_request_attach(
        user=duta, student_id=student_b.pk, kind=s.PARENT_ID, files=[SimpleUploadedFile("ktp.png", PNG)]
    )
    school_request_submit(user=duta, school_request_id=school_request.pk)
    assert set(school_request.students.values_list("state", flat=True)) == {s.RECEIVED}
    with pytest.raises(ApplicationError, match="hanya dapat ditambah"):  # locked once submitted
        school_request_attach(
            user=duta, student_id=student_b.pk, kind=s.KK_COPY, files=[SimpleUploadedFile("kk.png", PNG)]
        )

    # Disdukcapil: A verified and issued; B returned for the missing family card.
    with pytest.raises(ApplicationPermissionError):  # the school cannot process its own request
        school_student_process(user=duta, student_id=student_a.pk, decision=Decision(s.IN_PROCESS))
    school_student_process(user=officer, student_id=student_a.pk, decision=Decision(s.IN_PROCESS))
    with pytest.raises(ApplicationError, match="wajib diisi"):
        school_student_process(user=officer, student_id=student_a.pk, decision=Decision(s.DONE))
    akta_a = "6107-LT-31122024-0001"
    done_a = school_student_process(
        user=officer,
        student_id=student_a.pk,
        decision=Decision(s.DONE, akta_number=akta_a, kia_number="6107-KIA-0001"),
        enqueue=False,
    )
    assert done_a.registry_batch_id is not None
    with pytest.raises(ApplicationError, match="alasan pengembalian"):
        school_student_process(user=officer, student_id=student_b.pk, decision=Decision(s.RETURNED))
    school_student_process(
        user=officer,
        student_id=student_b.pk,
        decision=Decision(s.RETURNED, reason_code="missing_kk_copy", note="KK belum ada"),
    )
    student_b.refresh_from_db()
    assert (student_b.state, student_b.reason_code) == (s.RETURNED, "missing_kk_copy")
    school_request_attach(
        user=duta, student_id=student_b.pk, kind=s.KK_COPY, files=[SimpleUploadedFile("kk.png", PNG)]
    )
    school_student_resubmit(user=duta, student_id=student_b.pk, note="KK sudah dilampirkan")
    school_student_process(user=officer, student_id=student_b.pk, decision=Decision(s.IN_PROCESS))
    school_student_process(
        user=officer,
        student_id=student_b.pk,
        decision=Decision(s.DONE, akta_number="6107-LT-31122024-0002", kia_number="6107-KIA-0002"),
        enqueue=False,
    )
    school_request.refresh_from_db()
    assert school_request.state == s.REQUEST_CLOSED and school_request.closed_at is not None
    steps_b = list(student_b.events.order_by("at", "id").values_list("from_state", "to_state"))
    assert steps_b == [
        ("", s.DRAFT),
        (s.DRAFT, s.RECEIVED),
        (s.RECEIVED, s.RETURNED),
        (s.RETURNED, s.RESUBMITTED),
        (s.RESUBMITTED, s.IN_PROCESS),
        (s.IN_PROCESS, s.DONE),
    ]

    # The registry: the SIAK row carries the akta, keeps what SIAK knew; the flags come down.
    before = staged_records("siak")
    assert before is not None
    rows = before.filter(pl.col("nik") == a.child.nik).collect().to_dicts()
    siak_row = rows[-1]
    assert (siak_row["akta"], siak_row["kia"]) == ("ADA", "ADA")
    if a.no_akta:  # the number issued here
        assert siak_row["akta_number"] == akta_a == done_a.akta_number
    else:  # only the KIA was asked for: the akta SIAK had stays as it was
        assert done_a.akta_number == "" and siak_row["akta_number"] and siak_row["akta_number"] != akta_a
    assert siak_row["no_kk"] == a.child.kk_number and siak_row["desa_code"] == a.child.desa.code  # type: ignore[union-attr]
    linkage_run(as_of=REFERENCE)
    flags_recompute(as_of=REFERENCE)
    for row_ in (a, b):
        child = Child.objects.get(pk=row_.child.pk)  # the same child (its id kept through the relink)
        assert child.in_siak and _flagged(child.pk) == set()
    assert {r.child.pk for r in school_students_lacking_documents(duta)}.isdisjoint({a.child.pk, b.child.pk})


def test_the_school_pages_show_each_students_state_to_its_school_only(
    linked: dict[str, Any], personas: dict[str, Any]
) -> None:
    duta, officer = linked["ambassador"], personas["dukcapil"]
    client = _client(duta)
    home = client.get("/sekolah/adminduk/")
    assert home.status_code == 200
    lacking = school_students_lacking_documents(duta)
    body = home.content.decode()
    assert all(r.child.name in body for r in lacking)
    assert AuditEvent.objects.filter(actor=duta, action=AuditAction.CHILD_LIST_VIEWED).exists()
    bad = client.post("/sekolah/adminduk/", {"anak": [str(lacking[0].child.pk)]})  # nothing ticked to ask
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    assert not SchoolRequest.objects.exists()
    a, b = lacking[0], lacking[1]
    created = client.post(
        "/sekolah/adminduk/",
        {
            "anak": [str(a.child.pk), str(b.child.pk)],
            f"akta_{a.child.pk}": "1",
            f"kia_{a.child.pk}": "1",
            f"kia_{b.child.pk}": "1",
            f"akta_{b.child.pk}": "1",
        },
    )
    assert created.status_code == 302
    school_request = SchoolRequest.objects.get()
    url = f"/sekolah/adminduk/{school_request.pk}/"
    assert created["Location"] == url
    sa, sb = (school_request.students.get(child=x.child) for x in (a, b))
    for st in (sa, sb):
        up = client.post(
            url,
            {
                "action": "upload",
                "siswa": st.pk,
                "jenis": s.BIRTH_LETTER,
                "berkas": SimpleUploadedFile("surat.png", PNG),
            },
        )
        assert up.status_code == 302
    fake = client.post(
        url,
        {
            "action": "upload",
            "siswa": sa.pk,
            "jenis": s.KK_COPY,
            "berkas": SimpleUploadedFile("kk.pdf", b"MZ\x90\x00"),
        },
    )
    assert fake.status_code == 400 and "PDF, PNG atau JPEG" in fake.content.decode()
    assert client.post(url, {"action": "submit"}).status_code == 302
    school_student_process(
        user=officer, student_id=sb.pk, decision=Decision(s.REJECTED, reason_code="already_issued")
    )

    page = client.get(url).content.decode()
    part_a = page.split(f'data-testid="student-{sa.pk}"')[1].split("</section>")[0]
    part_b = page.split(f'data-testid="student-{sb.pk}"')[1].split("</section>")[0]
    assert s.label(s.RECEIVED) in part_a and s.label(s.REJECTED) in part_b
    assert s.REJECT_REASONS["already_issued"] in part_b
    assert "Kartu keluarga (KK) / family card" in part_a  # still missing, shown to the school
    attachment = SchoolRequestAttachment.objects.filter(student=sa).first()
    assert attachment is not None
    download = client.get(f"/sekolah/adminduk/lampiran/{attachment.pk}/")
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(actor=duta, action=AuditAction.FILE_DOWNLOADED).exists()

    # Another school's ambassador: the same answer as for nothing at all, and logged.
    other = _client(personas["duta_sekolah"])
    assert other.get(url).status_code == 404
    assert other.get(f"/sekolah/adminduk/lampiran/{attachment.pk}/").status_code == 404
    assert other.get("/sekolah/adminduk/999999/").status_code == 404
    assert school_request.students.first().child.name not in other.get("/sekolah/adminduk/").content.decode()  # type: ignore[union-attr]
    assert (
        AuditEvent.objects.filter(actor=personas["duta_sekolah"], action=AuditAction.ACCESS_DENIED).count()
        >= 2
    )
    assert _client(officer).get("/sekolah/adminduk/").status_code == 403  # not a school
    assert Client().get("/sekolah/adminduk/").status_code == 302  # to the login

    # Disdukcapil's side: the queue and the request's page; a step without its reason is a 400.
    officer_client = _client(officer)
    queue = officer_client.get("/adminduk/permohonan/")
    assert queue.status_code == 200 and f"/adminduk/sekolah/{school_request.pk}/" in queue.content.decode()
    process = f"/adminduk/sekolah/{school_request.pk}/"
    assert officer_client.get(process).status_code == 200
    no_reason = officer_client.post(process, {"siswa": sa.pk, "status": s.RETURNED})
    assert no_reason.status_code == 400 and "alasan pengembalian" in no_reason.content.decode()
    returned = officer_client.post(
        process, {"siswa": sa.pk, "status": s.RETURNED, "alasan_kembali": "missing_kk_copy", "catatan": "KK?"}
    )
    assert returned.status_code == 302
    assert SchoolRequestStudent.objects.get(pk=sa.pk).state == s.RETURNED
    assert officer_client.get(f"/adminduk/sekolah/lampiran/{attachment.pk}/").status_code == 200
    assert client.get(process).status_code == 403  # the ambassador does not process
    # the school answers the return on its page
    client.post(
        url,
        {"action": "upload", "siswa": sa.pk, "jenis": s.KK_COPY, "berkas": SimpleUploadedFile("kk.png", PNG)},
    )
    assert client.post(url, {"action": "resubmit", "siswa": sa.pk}).status_code == 302
    assert SchoolRequestStudent.objects.get(pk=sa.pk).state == s.RESUBMITTED
    # Issued from the page: the registry row is queued as an upload is (here the tasks run at once).
    assert officer_client.post(process, {"siswa": sa.pk, "status": s.IN_PROCESS}).status_code == 302
    done = officer_client.post(
        process,
        {
            "siswa": sa.pk,
            "status": s.DONE,
            "nomor_akta": "6107-LT-31122024-0009",
            "nomor_kia": "6107-kia-0009",
        },
    )
    assert done.status_code == 302
    finished = SchoolRequestStudent.objects.get(pk=sa.pk)
    assert finished.state == s.DONE and finished.kia_number == "6107-KIA-0009"
    assert finished.registry_batch_id is not None
    assert ImportBatch.objects.get(pk=finished.registry_batch_id).status == "done"
    assert s.label(s.DONE) in client.get(url).content.decode()
    assert SchoolRequest.objects.get(pk=school_request.pk).state == s.REQUEST_CLOSED
