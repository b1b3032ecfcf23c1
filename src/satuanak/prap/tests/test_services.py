"""The services: a puskesmas from an empty checklist to certified, and every refusal."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.facilities.models import HealthFacility
from satuanak.prap import selectors as sel
from satuanak.prap import states as s
from satuanak.prap.models import (
    Assessment,
    AssessmentEvent,
    AssessmentItem,
    Evidence,
    StandardItem,
    VoiceSurvey,
)
from satuanak.prap.services import (
    MAX_EVIDENCE_BYTES,
    PrapError,
    PrapPermissionError,
    prap_assessment_certify,
    prap_assessment_return,
    prap_assessment_start,
    prap_assessment_submit,
    prap_certificate_pdf,
    prap_certification_revoke,
    prap_certifications_expire,
    prap_item_answer,
    prap_item_reply,
    prap_item_review,
    prap_standard_draft,
    prap_standard_item_save,
    prap_standard_load,
    prap_standard_publish,
    prap_voice_record,
)
from satuanak.prap.tests.conftest import EXE, PDF, RawFile

pytestmark = pytest.mark.django_db


def settings_media() -> str:
    from django.conf import settings

    return str(settings.MEDIA_ROOT)


def _answer_all(staff: Any, a: Assessment, png: bytes) -> None:
    for item in a.items.select_related("item"):
        files = [SimpleUploadedFile(f"{item.item.code}.png", png)] if item.item.required else []
        prap_item_answer(user=staff, assessment_item_id=item.pk, answer=s.YES, note="ada", files=files)


def _review_all(reviewer: Any, a: Assessment, verdicts: dict[str, str] | None = None) -> None:
    for item in a.items.select_related("item"):
        verdict = (verdicts or {}).get(item.item.code, s.MET)
        prap_item_review(user=reviewer, assessment_item_id=item.pk, verdict=verdict, comment="kurang foto")


def _submitted(staff: Any, ledo: HealthFacility, png: bytes) -> Assessment:
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    _answer_all(staff, a, png)
    return prap_assessment_submit(user=staff, assessment_id=a.pk)


def test_standard_loads_idempotently_with_the_seed_items(standard: Any) -> None:
    again = prap_standard_load()
    assert again.pk == standard.pk and standard.published
    codes = set(standard.items.values_list("code", flat=True))
    # trained staff, lactation, play area, toilet, disability access, PKPR, violence, voice, no smoking
    assert {"SDM-1", "FAS-1", "FAS-2", "FAS-3", "FAS-4", "LAY-1", "LAY-2", "PAR-1", "LIN-1"} <= codes
    assert standard.items.filter(required=True).count() == 10
    assert StandardItem.objects.count() == standard.items.count()  # nothing added twice
    assert "UPTD PPA" in standard.items.get(code="LAY-2").text_id
    assert "2" in standard.items.get(code="SDM-1").text_id


def test_walk_from_an_empty_checklist_to_certified(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    reviewer = personas["dinkes"]
    today = date(2025, 3, 1)
    assert not ledo.child_friendly
    before = sel.prap_roadmap(today).current
    assert sel.prap_states()[ledo.pk]["state"] == sel.NOT_STARTED

    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    assert a.items.count() == standard.items.count() and a.state == s.DRAFT
    with pytest.raises(PrapError, match="belum dijawab"):  # an empty checklist cannot be submitted
        prap_assessment_submit(user=staff, assessment_id=a.pk)
    _answer_all(staff, a, png)
    assert Evidence.objects.filter(assessment_item__assessment=a).count() == 10
    ev = Evidence.objects.filter(assessment_item__assessment=a).first()
    assert ev is not None and ev.content_type == "image/png" and len(ev.sha256) == 64
    assert (Path(settings_media()) / ev.stored_name).read_bytes() == png
    prap_assessment_submit(user=staff, assessment_id=a.pk)

    # the reviewer returns one item needing more evidence
    _review_all(reviewer, a, {"FAS-2": s.MORE_EVIDENCE})
    with pytest.raises(PrapError, match="FAS-2"):
        prap_assessment_certify(user=reviewer, assessment_id=a.pk, on=today)
    prap_assessment_return(user=reviewer, assessment_id=a.pk, note="lihat FAS-2")
    a.refresh_from_db()
    assert a.state == s.RETURNED
    returned = a.items.get(item__code="FAS-2")
    with pytest.raises(PrapError, match="FAS-2"):  # a returned item needs a reply first
        prap_assessment_submit(user=staff, assessment_id=a.pk)
    prap_item_reply(
        user=staff,
        assessment_item_id=returned.pk,
        reply="Foto ruang tunggu ditambahkan",
        files=[SimpleUploadedFile("ruang-tunggu.pdf", PDF)],
    )
    assert returned.evidence.count() == 2
    prap_assessment_submit(user=staff, assessment_id=a.pk)
    returned.refresh_from_db()
    assert returned.verdict == s.PENDING and returned.reply

    prap_item_review(user=reviewer, assessment_item_id=returned.pk, verdict=s.MET)
    prap_assessment_certify(user=reviewer, assessment_id=a.pk, on=today)
    a.refresh_from_db()
    ledo.refresh_from_db()
    assert a.state == s.CERTIFIED and a.certified_on == today and a.valid_until == date(2028, 2, 29)
    assert a.certificate_number == "PRAP/BKY/2025/001"
    assert ledo.child_friendly
    assert sel.prap_roadmap(today).current == before + 1
    assert sel.prap_states()[ledo.pk] == {"state": s.CERTIFIED, "met": 10, "total": 10, "certified_on": today}
    assert list(AssessmentEvent.objects.filter(assessment=a).values_list("to_state", flat=True)) == [
        s.DRAFT, s.SUBMITTED, s.RETURNED, s.SUBMITTED, s.CERTIFIED,
    ]  # fmt: skip

    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(prap_certificate_pdf(a)))
    assert len(reader.pages) == 1 and float(reader.pages[0].mediabox.width) > float(
        reader.pages[0].mediabox.height
    )
    text = reader.pages[0].extract_text()
    assert "Puskesmas Ledo" in text and "PRAP/BKY/2025/001" in text and "2028" in text


def test_certify_refused_with_an_item_unmet_and_nothing_changes(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    reviewer = personas["bappeda"]  # the KLA task force reviews too
    a = _submitted(staff, ledo, png)
    _review_all(reviewer, a, {"LIN-1": s.NOT_MET})
    events = AssessmentEvent.objects.count()
    with pytest.raises(PrapError) as err:
        prap_assessment_certify(user=reviewer, assessment_id=a.pk)
    assert "LIN-1" in str(err.value) and " / " in str(err.value)
    a.refresh_from_db()
    ledo.refresh_from_db()
    assert (a.state, a.certified_on, a.certificate_number) == (s.SUBMITTED, None, "")
    assert not ledo.child_friendly and AssessmentEvent.objects.count() == events


def test_a_puskesmas_cannot_review_itself(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    a = _submitted(staff, ledo, png)
    item = a.items.first()
    assert item is not None
    # its own staff lack the reviewer's capability
    with pytest.raises(PrapPermissionError):
        prap_item_review(user=staff, assessment_item_id=item.pk, verdict=s.MET)
    # a health officer whose agency is this puskesmas is refused too
    officer = personas["dinkes"]
    officer.agency = staff.agency
    officer.save()
    with pytest.raises(PrapPermissionError, match="meninjau dirinya"):
        prap_item_review(user=officer, assessment_item_id=item.pk, verdict=s.MET)
    for item in a.items.all():
        AssessmentItem.objects.filter(pk=item.pk).update(verdict=s.MET)
    with pytest.raises(PrapPermissionError):
        prap_assessment_certify(user=officer, assessment_id=a.pk)
    a.refresh_from_db()
    assert a.state == s.SUBMITTED


def test_another_puskesmas_cannot_self_assess_this_one(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    other = personas["pkm_sungai_duri"]
    with pytest.raises(PrapPermissionError):
        prap_assessment_start(user=other, facility_id=ledo.pk)
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    item = a.items.first()
    assert item is not None
    for user in (other, personas["dinkes"], personas["steward"]):  # not Ledo's staff
        with pytest.raises(PrapPermissionError):
            prap_item_answer(user=user, assessment_item_id=item.pk, answer=s.YES)
    item.refresh_from_db()
    assert item.answer == ""
    with pytest.raises(PrapError, match="sudah memiliki"):
        prap_assessment_start(user=staff, facility_id=ledo.pk)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("foto.jpg", EXE, "PDF, PNG atau JPEG"),  # an executable renamed .jpg
        ("besar.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES, "lebih dari 5 MB"),
        ("kosong.png", b"", "berkas kosong"),
        ("../../etc/ruang.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "tidak boleh memuat folder"),
        ("C:\\bukti\\ruang.pdf", PDF, "tidak boleh memuat folder"),
    ],
)
def test_uploads_refused_and_nothing_stored(
    standard: Any, staff: Any, ledo: HealthFacility, _media_root: Path, name: str, data: bytes, message: str
) -> None:
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    item = a.items.first()
    assert item is not None
    good = SimpleUploadedFile("baik.pdf", PDF)
    with pytest.raises(PrapError) as err:
        prap_item_answer(
            user=staff, assessment_item_id=item.pk, answer=s.YES, files=[good, RawFile(name, data)]
        )
    assert message in str(err.value) and " / " in str(err.value)
    item.refresh_from_db()
    assert item.answer == "" and not Evidence.objects.exists()
    assert not (_media_root / "prap").exists() or not any((_media_root / "prap").iterdir())


def test_revoke_and_expire_clear_child_friendly(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    reviewer = personas["dinkes"]
    a = _submitted(staff, ledo, png)
    _review_all(reviewer, a)
    prap_assessment_certify(user=reviewer, assessment_id=a.pk, on=date(2024, 1, 10))
    with pytest.raises(PrapError, match="Alasan"):
        prap_certification_revoke(user=reviewer, assessment_id=a.pk, reason=" ")
    ledo.refresh_from_db()
    assert ledo.child_friendly
    assert prap_certifications_expire(today=date(2027, 1, 9)) == 0  # still valid on its last day
    assert prap_certifications_expire(today=date(2027, 1, 10)) == 1
    a.refresh_from_db()
    ledo.refresh_from_db()
    assert a.state == s.EXPIRED and a.ended_on == date(2027, 1, 10) and not ledo.child_friendly
    assert sel.prap_roadmap(date(2027, 2, 1)).current == 0

    # a new round, certified and then revoked with a reason
    b = _submitted(staff, ledo, png)
    _review_all(reviewer, b)
    prap_assessment_certify(user=reviewer, assessment_id=b.pk, on=date(2027, 2, 1))
    ledo.refresh_from_db()
    assert ledo.child_friendly
    prap_certification_revoke(user=reviewer, assessment_id=b.pk, reason="Ruang laktasi dijadikan gudang")
    b.refresh_from_db()
    ledo.refresh_from_db()
    assert b.state == s.REVOKED and "gudang" in b.end_reason and not ledo.child_friendly


def test_editing_the_standard_makes_a_new_version_and_leaves_assessments_alone(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility
) -> None:
    officer = personas["dinkes"]
    a = prap_assessment_start(user=staff, facility_id=ledo.pk)
    with pytest.raises(PrapPermissionError):
        prap_standard_draft(user=staff)
    draft = prap_standard_draft(user=officer)
    assert draft.number == 2 and not draft.published and draft.items.count() == standard.items.count()
    with pytest.raises(PrapError, match="terbit"):  # the published version itself cannot change
        prap_standard_item_save(
            user=officer,
            version_id=standard.pk,
            component_id=standard.components.first().pk,
            code="X-1",
            text_id="x",
        )
    component = draft.components.get(code="LAY")
    prap_standard_item_save(
        user=officer,
        version_id=draft.pk,
        component_id=component.pk,
        code="LAY-5",
        text_id="Layanan konseling daring untuk remaja (Halo Remaja).",
        required=True,
    )
    old = draft.items.get(code="FAS-1")
    prap_standard_item_save(
        user=officer,
        version_id=draft.pk,
        component_id=old.component_id,
        code="FAS-1",
        text_id="Ruang laktasi dengan wastafel.",
        item_id=old.pk,
    )
    prap_standard_publish(user=officer, version_id=draft.pk, valid_from=date(2025, 1, 1))
    assert sel.standard_published() == draft
    a.refresh_from_db()
    assert a.version_id == standard.pk and a.items.count() == 16
    assert standard.items.get(code="FAS-1").text_id.startswith("Ruang laktasi (ruang ASI)")
    # a new assessment uses the new version
    other = personas["pkm_sungai_duri"]
    b = prap_assessment_start(user=other, facility_id=other.agency.health_facility_id)
    assert b.version_id == draft.pk and b.items.filter(item__code="LAY-5").exists()


def test_voice_survey_keeps_scores_and_age_group_only(
    standard: Any, personas: dict[str, Any], ledo: HealthFacility
) -> None:
    publik = personas["publik"]
    scores = {"q_friendly": 5, "q_play": 4, "q_clean": 3, "q_explain": 4, "q_safe": 5}
    v = prap_voice_record(user=publik, facility_id=ledo.pk, scores=scores, age_group="10-12", comment="Seru!")
    assert v.q_play == 4
    with pytest.raises(PrapError, match="wajah"):
        prap_voice_record(user=publik, facility_id=ledo.pk, scores={**scores, "q_safe": 9}, age_group="10-12")
    with pytest.raises(PrapPermissionError):
        prap_voice_record(user=personas["ppa"], facility_id=ledo.pk, scores=scores, age_group="10-12")
    summary = sel.prap_voice_summary(ledo)[ledo.pk]
    assert summary.count == 1 and summary.overall == 4.2
    assert VoiceSurvey.objects.count() == 1
    assert AuditEvent.objects.filter(actor=publik, action=AuditAction.RECORD_CHANGED).exists()


def test_missing_items_rank_what_is_not_yet_met(
    standard: Any, staff: Any, personas: dict[str, Any], ledo: HealthFacility, png: bytes
) -> None:
    a = _submitted(staff, ledo, png)
    _review_all(personas["dinkes"], a, {"FAS-4": s.NOT_MET, "SDM-1": s.MORE_EVIDENCE})
    missing = sel.prap_missing_items()
    assert [m.code for m in missing] == ["FAS-4", "SDM-1"] and missing[0].of == 1
