"""The pages: the walk through the browser forms, scoped evidence, refusals with a 400."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.facilities.models import HealthFacility
from satuanak.prap import states as s
from satuanak.prap.models import Assessment, Evidence, VoiceSurvey
from satuanak.prap.services import MAX_EVIDENCE_BYTES, prap_assessment_start, prap_item_answer
from satuanak.prap.tests.conftest import EXE, PDF

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _count(client: Client) -> int:
    page = client.get("/prap/").content.decode()
    found = re.search(r'data-testid="prap-certified-count">(\d+)<', page)
    assert found is not None
    return int(found.group(1))


def test_walk_through_the_pages_to_a_certificate(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes, settings: Any
) -> None:
    settings.SATUANAK_TODAY = date(2025, 4, 1)
    anon = Client()
    assert _count(anon) == 0
    me, reviewer = _client(staff), _client(personas["dinkes"])
    url = f"/prap/puskesmas/{ledo.pk}/"
    assert me.get(url).status_code == 200
    assert me.post(url, {"aksi": "mulai"}).status_code == 302
    a = Assessment.objects.get(facility=ledo)
    for item in a.items.select_related("item"):
        data: dict[str, Any] = {"aksi": "jawab", "butir": item.pk, "jawaban": "yes", "catatan": "ada"}
        if item.item.required:
            data["bukti"] = SimpleUploadedFile(f"{item.item.code}.png", png, content_type="image/png")
        assert me.post(url, data).status_code == 302
    assert me.post(url, {"aksi": "ajukan"}).status_code == 302
    review = f"/prap/tinjau/{ledo.pk}/"
    page = reviewer.get(review).content.decode()
    ev = Evidence.objects.filter(assessment_item__assessment=a).first()
    assert ev is not None and f"/prap/tinjau/bukti/{ev.pk}/?lihat=1" in page  # image preview
    verdicts = {f"verdict-{i.pk}": s.MET for i in a.items.all()}
    fas2 = a.items.get(item__code="FAS-2")
    verdicts[f"verdict-{fas2.pk}"] = s.MORE_EVIDENCE
    # certifying with an item not met is refused with a message, the verdicts are kept
    resp = reviewer.post(
        review, {**verdicts, f"komentar-{fas2.pk}": "foto ruang tunggu?", "aksi": "sertifikasi"}
    )
    assert resp.status_code == 400 and "FAS-2" in resp.content.decode()
    resp = reviewer.post(
        review, {**verdicts, f"komentar-{fas2.pk}": "foto ruang tunggu?", "aksi": "kembalikan"}
    )
    assert resp.status_code == 302
    a.refresh_from_db()
    assert a.state == s.RETURNED
    assert "foto ruang tunggu?" in me.get(url).content.decode()
    resp = me.post(
        url,
        {
            "aksi": "balas",
            "butir": fas2.pk,
            "balasan": "sudah",
            "bukti": SimpleUploadedFile("tunggu.pdf", PDF),
        },
    )
    assert resp.status_code == 302
    assert me.post(url, {"aksi": "ajukan"}).status_code == 302
    resp = reviewer.post(review, {f"verdict-{fas2.pk}": s.MET, "aksi": "sertifikasi"})
    assert resp.status_code == 302
    a.refresh_from_db()
    ledo.refresh_from_db()
    assert a.state == s.CERTIFIED and a.certified_on == date(2025, 4, 1) and ledo.child_friendly
    assert _count(anon) == 1
    pdf = anon.get(f"/prap/sertifikat/{a.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert "Puskesmas Ledo" in text and a.certificate_number in text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("foto.jpg", EXE, "PDF, PNG atau JPEG"),
        ("besar.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES, "lebih dari 5 MB"),
        ("kosong.pdf", b"", "kosong"),
    ],
)
def test_bad_uploads_through_the_page_get_a_400_and_nothing_is_kept(
    standard: Any, staff: Any, ledo: HealthFacility, name: str, data: bytes, message: str
) -> None:
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    item = a.items.first()
    assert item is not None
    resp = _client(staff).post(
        f"/prap/puskesmas/{ledo.pk}/",
        {"aksi": "jawab", "butir": item.pk, "jawaban": "yes", "bukti": SimpleUploadedFile(name, data)},
    )
    body = resp.content.decode()
    assert resp.status_code == 400 and 'role="alert"' in body and message in body
    item.refresh_from_db()
    assert item.answer == "" and not Evidence.objects.exists()


def test_evidence_is_served_only_in_scope(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    item = a.items.first()
    assert item is not None
    prap_item_answer(
        user=staff, assessment_item_id=item.pk, answer=s.YES, files=[SimpleUploadedFile("r.png", png)]
    )
    ev = Evidence.objects.get()
    own = _client(staff).get(f"/prap/bukti/{ev.pk}/")
    assert own.status_code == 200 and b"".join(own.streaming_content) == png  # type: ignore[attr-defined]
    assert own["Cache-Control"] == "no-store" and "attachment" in own["Content-Disposition"]
    preview = _client(staff).get(f"/prap/bukti/{ev.pk}/?lihat=1")
    assert preview.status_code == 200 and "inline" in preview["Content-Disposition"]
    assert AuditEvent.objects.filter(actor=staff, action=AuditAction.FILE_DOWNLOADED).count() == 2
    other = personas["pkm_sungai_duri"]
    assert _client(other).get(f"/prap/bukti/{ev.pk}/").status_code == 404
    assert _client(other).get(f"/prap/puskesmas/{ledo.pk}/").status_code == 404
    assert _client(other).post(f"/prap/puskesmas/{ledo.pk}/", {"aksi": "mulai"}).status_code == 404
    assert _client(personas["pkm_samalantan"]).get(f"/prap/bukti/{ev.pk}/").status_code == 404
    assert _client(personas["dinkes"]).get(f"/prap/bukti/{ev.pk}/").status_code == 403  # not staff
    assert _client(personas["dinkes"]).get(f"/prap/tinjau/bukti/{ev.pk}/").status_code == 200
    assert _client(staff).get(f"/prap/tinjau/bukti/{ev.pk}/").status_code == 403
    assert _client(personas["publik"]).get(f"/prap/tinjau/bukti/{ev.pk}/").status_code == 403
    assert Client().get(f"/prap/bukti/{ev.pk}/").status_code == 302


def test_review_page_refuses_the_reviewers_own_puskesmas(
    standard: Any, personas: dict[str, Any], ledo: HealthFacility, staff: Any
) -> None:
    officer = personas["dinkes"]
    assert _client(officer).get(f"/prap/tinjau/{ledo.pk}/").status_code == 200
    officer.agency = staff.agency
    officer.save()
    assert _client(officer).get(f"/prap/tinjau/{ledo.pk}/").status_code == 403
    assert _client(staff).get(f"/prap/tinjau/{ledo.pk}/").status_code == 403  # staff lack PRAP_REVIEW


def test_gated_pages_audit_each_look(standard: Any, personas: dict[str, Any], staff: Any, ledo: Any) -> None:
    for user, url in (
        (personas["dinkes"], "/prap/standar/"),
        (personas["publik"], "/prap/suara-anak/"),
        (personas["bappeda"], f"/prap/tinjau/{ledo.pk}/"),
        (staff, f"/prap/puskesmas/{ledo.pk}/"),
    ):
        before = AuditEvent.objects.filter(action=AuditAction.PRAP_VIEWED).count()
        assert _client(user).get(url).status_code == 200, url
        assert AuditEvent.objects.filter(action=AuditAction.PRAP_VIEWED).count() == before + 1, url
    assert _client(personas["publik"]).get("/prap/standar/").status_code == 403
    assert _client(personas["pkm_sungai_duri"]).get("/prap/suara-anak/").status_code == 403
    assert Client().get("/prap/suara-anak/")["Location"].startswith("/masuk/")


def test_standard_editor_page_drafts_edits_and_publishes(standard: Any, personas: dict[str, Any]) -> None:
    c = _client(personas["dinkes"])
    assert c.post("/prap/standar/", {"aksi": "draf"}).status_code == 302
    draft = standard.__class__.objects.get(published=False)
    comp = draft.components.get(code="FAS")
    resp = c.post(
        "/prap/standar/",
        {
            "aksi": "butir_baru",
            "versi": draft.pk,
            "komponen": comp.pk,
            "kode": "FAS-6",
            "teks": "Air minum",
            "wajib": "1",
        },
    )
    assert resp.status_code == 302 and draft.items.filter(code="FAS-6", required=True).exists()
    bad = c.post("/prap/standar/", {"aksi": "terbitkan", "versi": draft.pk, "berlaku": "kemarin"})
    assert bad.status_code == 400 and "TTTT-BB-HH" in bad.content.decode()
    assert (
        c.post(
            "/prap/standar/", {"aksi": "terbitkan", "versi": draft.pk, "berlaku": "2025-01-01"}
        ).status_code
        == 302
    )
    draft.refresh_from_db()
    standard.refresh_from_db()
    assert draft.published and standard.items.count() == 16 and draft.items.count() == 17


def test_voice_page_records_a_survey_and_refuses_a_missing_face(
    standard: Any, personas: dict[str, Any], ledo: HealthFacility
) -> None:
    c = _client(personas["publik"])
    data = {"puskesmas": ledo.pk, "umur": "13-15", "q_friendly": 5, "q_play": 4, "q_clean": 4, "q_explain": 3}
    resp = c.post("/prap/suara-anak/", data)
    assert resp.status_code == 400 and "wajah" in resp.content.decode()
    resp = c.post("/prap/suara-anak/", {**data, "q_safe": 5}, follow=True)
    assert resp.status_code == 200 and "Terima kasih" in resp.content.decode()
    assert VoiceSurvey.objects.filter(facility=ledo).count() == 1


def test_certificate_of_an_uncertified_assessment_is_a_404(standard: Any, staff: Any, ledo: Any) -> None:
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    assert Client().get(f"/prap/sertifikat/{a.pk}.pdf").status_code == 404
    assert Client().get("/prap/sertifikat/999999.pdf").status_code == 404
