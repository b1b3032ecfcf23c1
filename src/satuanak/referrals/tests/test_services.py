"""Referrals and screenings through the services: every status with who and when, refusals that
change nothing, violence-related referrals kept to protection officers, attachments by bytes."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.referrals import transitions as t
from satuanak.referrals.models import (
    DevelopmentScreening,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ServiceUnit,
)
from satuanak.referrals.selectors import (
    referral_get,
    referrals_for_child,
    referrals_inbox,
    referrals_outbox,
    referrals_overdue,
    screenings_for_child,
    units_acting_for,
)
from satuanak.referrals.services import (
    MAX_ATTACHMENT_BYTES,
    ReferralError,
    ReferralPermissionError,
    attachment_path,
    referral_create,
    referral_transition,
    screening_record,
    service_units_load,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%demo\n"
EXE = b"MZ\x90\x00" + b"\x00" * 64

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        ReferralAttachment.objects.count(),
        DevelopmentScreening.objects.count(),
        AuditEvent.objects.count(),
    )


def _send(personas: dict[str, Any], child: Any, **kwargs: Any) -> Referral:
    args: dict[str, Any] = {
        "user": personas["pkm_sungai_duri"],
        "child_id": child.pk,
        "from_unit": "pkm-sungai-duri",
        "to_unit": "sapa-abk",
        "reason": "Belum dapat duduk / not sitting",
        "urgency": t.ROUTINE,
    }
    return referral_create(**(args | kwargs))


def test_units_are_loaded_once_and_tied_to_agencies(units: dict[str, int], personas: dict[str, Any]) -> None:
    first = ServiceUnit.objects.count()
    assert units["puskesmas"] == 17 and units["hospital"] == 1 and units["district"] == 5
    assert service_units_load() == units and ServiceUnit.objects.count() == first  # idempotent
    assert ServiceUnit.objects.get(code="pkm-sungai-duri").kind == ServiceUnit.Kind.PRAP  # certified PRAP
    assert ServiceUnit.objects.get(code="pkm-ledo").kind == ServiceUnit.Kind.PUSKESMAS
    assert not ServiceUnit.objects.get(code="pkm-ledo").receives
    assert ServiceUnit.objects.get(code="rsud-bengkayang").receives
    assert {u.code for u in units_acting_for(personas["ppa"])} == {"uptd-ppa", "dinsos-p3a", "puspaga"}
    assert {u.code for u in units_acting_for(personas["kader_sungai_duri"])} == {"posyandu-sungai-duri"}
    assert {u.code for u in units_acting_for(personas["duta_sekolah"])} == {"school-first-sd"}
    assert not units_acting_for(personas["pkm_samalantan"]).exists()  # no agency: acts for nothing


def test_a_referral_walks_every_status_with_who_and_when(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    pkm, dinkes = personas["pkm_sungai_duri"], personas["dinkes"]
    referral = _send(personas, children["here"])
    assert referral.status == t.SENT and referral.due_on == referral.sent_on + timedelta(days=30)
    assert list(referrals_inbox(dinkes)) == [referral] and list(referrals_outbox(pkm)) == [referral]
    referral_transition(user=dinkes, referral=referral, to_status=t.RECEIVED, note="jadwal asesmen")
    referral_transition(user=dinkes, referral=referral.pk, to_status=t.IN_SERVICE)
    done = referral_transition(user=dinkes, referral=referral, to_status=t.COMPLETED, outcome="fisioterapi")
    assert done.status == t.COMPLETED and done.outcome == "fisioterapi"
    events = list(referral.events.order_by("at", "id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", t.SENT),
        (t.SENT, t.RECEIVED),
        (t.RECEIVED, t.IN_SERVICE),
        (t.IN_SERVICE, t.COMPLETED),
    ]
    assert [e.by.username for e in events] == ["pkm_sungai_duri", "dinkes", "dinkes", "dinkes"]
    assert all(e.at is not None for e in events) and events == sorted(events, key=lambda e: e.at)
    assert events[1].note == "jadwal asesmen"
    assert AuditEvent.objects.filter(subject_type="referral", subject_id=str(referral.pk)).count() == 4
    # nothing out of completed, whoever asks
    before = _counts()
    with pytest.raises(ReferralError, match="tidak dapat diubah lagi"):
        referral_transition(user=dinkes, referral=referral, to_status=t.RECEIVED)
    assert _counts() == before and Referral.objects.get(pk=referral.pk).status == t.COMPLETED


def test_a_declined_referral_needs_its_reason(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    dukcapil = personas["dukcapil"]
    referral = _send(personas, children["here"], to_unit="disdukcapil")
    before = _counts()
    with pytest.raises(ReferralError, match="Alasan penolakan wajib"):
        referral_transition(user=dukcapil, referral=referral, to_status=t.DECLINED, reason=" ")
    assert _counts() == before
    declined = referral_transition(
        user=dukcapil, referral=referral, to_status=t.DECLINED, reason="sudah punya akta"
    )
    assert declined.status == t.DECLINED and declined.declined_reason == "sudah punya akta"
    assert referral.events.last().note == "sudah punya akta"  # type: ignore[union-attr]


def test_overdue_until_the_unit_takes_the_child_in(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    dinkes = personas["dinkes"]
    today = timezone.localdate()
    late = _send(personas, children["here"], urgency=t.URGENT, sent_on=today - timedelta(days=10))
    on_time = _send(personas, children["here"], urgency=t.URGENT, sent_on=today - timedelta(days=7))
    assert late.due_on == today - timedelta(days=3)
    assert list(referrals_overdue(dinkes)) == [late]  # on_time is due today: not yet overdue
    assert list(referrals_overdue(dinkes, today=today + timedelta(days=1))) == [late, on_time]
    referral_transition(user=dinkes, referral=late, to_status=t.RECEIVED)
    assert list(referrals_overdue(dinkes)) == [late]  # received is still waiting
    referral_transition(user=dinkes, referral=late, to_status=t.IN_SERVICE)
    assert list(referrals_overdue(dinkes)) == []
    assert list(referrals_overdue(personas["pkm_sungai_duri"])) == []  # the sender's inbox is empty


def test_only_the_receiving_unit_moves_a_referral(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    referral = _send(personas, children["here"])
    before = _counts()
    for outsider in ("pkm_sungai_duri", "dukcapil", "ppa", "steward"):  # sender, other units, steward
        with pytest.raises(ReferralPermissionError, match="Hanya unit tujuan"):
            referral_transition(user=personas[outsider], referral=referral, to_status=t.RECEIVED)
    with pytest.raises(ReferralPermissionError):  # a role without HANDLE_REFERRALS
        referral_transition(user=personas["bappeda"], referral=referral, to_status=t.RECEIVED)
    assert _counts() == before and Referral.objects.get(pk=referral.pk).status == t.SENT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"to_unit": "unit-yang-tidak-ada"}, "tidak ada atau tidak menerima"),
        ({"to_unit": "pkm-samalantan"}, "tidak ada atau tidak menerima"),  # exists, does not receive
        ({"from_unit": "pkm-samalantan"}, "tidak bertindak untuk unit pengirim"),  # not the user's unit
        ({"from_unit": "uptd-ppa"}, "tidak bertindak untuk unit pengirim"),
        ({"reason": "   "}, "Alasan rujukan wajib"),
        ({"urgency": "kapan-kapan"}, "Urgensi tidak dikenal"),
        ({"is_protection": True}, "UPTD PPA atau Dinas Sosial P3A"),  # violence case to SAPA ABK
        ({"sent_on": date(2099, 1, 1)}, "masa depan"),
        ({"sent_on": date(2021, 1, 1)}, "sebelum anak lahir"),
        ({"child": "there"}, "tidak ditemukan di wilayah Anda"),
        ({"attachments": [SimpleUploadedFile("surat.pdf", EXE)]}, "PDF, PNG atau JPEG"),
        ({"attachments": [SimpleUploadedFile("kosong.pdf", b"")]}, "kosong"),
        ({"attachments": [SimpleUploadedFile("besar.pdf", PDF + b"0" * MAX_ATTACHMENT_BYTES)]}, "5 MB"),
        ({"attachments": [SimpleUploadedFile(f"{i}.png", PNG) for i in range(6)]}, "Paling banyak 5"),
        ({"screening_id": 999_999}, "Skrining tidak ditemukan"),
    ],
)
def test_bad_referrals_are_refused_and_change_nothing(
    units: Any,
    personas: dict[str, Any],
    children: dict[str, Any],
    media_files: Any,
    changes: dict[str, Any],
    message: str,
) -> None:
    child = children[changes.pop("child", "here")]
    before = _counts()
    with pytest.raises(ReferralError, match=message) as caught:
        _send(personas, child, **changes)
    assert " / " in str(caught.value)  # Indonesian / English
    assert _counts() == before
    assert media_files() == []  # no file stored either


@pytest.fixture
def media_files(_media_root: Path) -> Any:
    return lambda: sorted(p.name for p in _media_root.rglob("*") if p.is_file())


def test_a_role_without_the_capability_cannot_refer(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    with pytest.raises(ReferralPermissionError):
        _send(personas, children["here"], user=personas["publik"])
    assert not Referral.objects.exists()


def test_a_violence_referral_is_read_by_its_author_and_protection_officers_only(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    child = children["here"]
    secret = _send(personas, child, to_unit="uptd-ppa", is_protection=True, urgency=t.EMERGENCY)
    ordinary = _send(personas, child, to_unit="disdukcapil")
    assert secret.due_on == secret.sent_on + timedelta(days=1)
    assert set(referrals_for_child(personas["ppa"], child)) == {secret, ordinary}
    assert set(referrals_for_child(personas["pkm_sungai_duri"], child)) == {secret, ordinary}  # author
    for reader in ("dinkes", "steward", "kader_sungai_duri", "dukcapil"):
        assert list(referrals_for_child(personas[reader], child)) == [ordinary], reader
        with pytest.raises(Http404):
            referral_get(user=personas[reader], referral_id=secret.pk)
    assert AuditEvent.objects.filter(
        actor=personas["dinkes"], action=AuditAction.ACCESS_DENIED, subject_id=str(secret.pk)
    ).exists()
    assert list(referrals_inbox(personas["ppa"])) == [secret]
    referral_transition(user=personas["ppa"], referral=secret, to_status=t.RECEIVED)
    # the area rule: a puskesmas of another area sees neither
    assert list(referrals_for_child(personas["pkm_samalantan"], child)) == []


def test_the_receiving_unit_sees_a_child_outside_its_area(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    """UPTD PPA's officer for Sungai Raya acts for the unit through the agency; a referral sent
    to the unit reaches her even for a child of Samalantan."""
    from satuanak.accounts.models import Agency

    officer = personas["ppa_sungai_raya"]
    officer.agency = Agency.objects.get(code="dinsos-p3a")
    officer.save()
    referral = _send(
        personas, children["there"], user=personas["dinkes"], from_unit="pkm-samalantan", to_unit="uptd-ppa"
    )
    assert list(referrals_inbox(officer)) == [referral]
    assert referral_get(user=officer, referral_id=referral.pk) == referral


def test_attachments_are_typed_by_their_bytes_and_hashed(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    referral = _send(
        personas,
        children["here"],
        attachments=[SimpleUploadedFile("foto.pdf", PNG), SimpleUploadedFile("surat.jpg", PDF)],
    )
    png, pdf = referral.attachments.order_by("id")
    assert (png.original_name, png.content_type) == ("foto.pdf", "image/png")  # the name lies
    assert (pdf.original_name, pdf.content_type) == ("surat.jpg", "application/pdf")
    assert png.sha256 == hashlib.sha256(PNG).hexdigest() and png.size_bytes == len(PNG)
    assert attachment_path(png).read_bytes() == PNG and attachment_path(png).suffix == ".png"
    assert png.uploaded_by == personas["pkm_sungai_duri"]


def test_a_deviation_proposes_sapa_abk_and_the_referral_links_back(
    units: Any, personas: dict[str, Any], children: dict[str, Any]
) -> None:
    cadre = personas["kader_sungai_duri"]
    child = children["here"]
    fine = screening_record(
        user=cadre, child_id=child.pk, screened_on=date(2024, 5, 1), instrument=t.KPSP, result=t.APPROPRIATE
    )
    assert fine.proposal is None and fine.screening.age_months == 24
    outcome = screening_record(
        user=cadre, child_id=child.pk, screened_on=date(2024, 11, 1), instrument=t.KPSP, result=t.DEVIATION
    )
    assert outcome.proposal is not None and outcome.proposal.to_unit is not None
    assert outcome.proposal.to_unit.code == "sapa-abk" and "Penyimpangan" in outcome.proposal.reason
    hearing = screening_record(
        user=cadre, child_id=child.pk, screened_on=date(2024, 11, 2), instrument=t.HEARING, result=t.SUSPECTED
    )
    assert hearing.proposal is not None
    referral = _send(
        personas,
        child,
        user=cadre,
        from_unit="posyandu-sungai-duri",
        reason=outcome.proposal.reason,
        screening_id=outcome.screening.pk,
    )
    assert DevelopmentScreening.objects.get(pk=outcome.screening.pk).referral == referral
    assert [s.pk for s in screenings_for_child(cadre, child)] == [
        hearing.screening.pk,
        outcome.screening.pk,
        fine.screening.pk,
    ]
    assert not screenings_for_child(personas["pkm_samalantan"], child).exists()  # another area
    with pytest.raises(ReferralError, match="sudah dirujuk"):  # one referral per screening
        _send(
            personas, child, user=cadre, from_unit="posyandu-sungai-duri", screening_id=outcome.screening.pk
        )


@pytest.mark.parametrize(
    ("who", "screened_on", "instrument", "result", "message"),
    [
        ("here", date(2099, 1, 1), t.KPSP, t.DEVIATION, "masa depan"),
        ("here", date(2022, 4, 30), t.HEARING, t.NORMAL, "sebelum anak lahir"),
        ("here", date(2022, 6, 1), t.KPSP, t.APPROPRIATE, "umur 3–72 bulan"),  # one month old
        ("here", date(2024, 6, 1), t.KPSP, t.SUSPECTED, "tidak berlaku"),
        ("here", date(2024, 6, 1), "iq", t.NORMAL, "Instrumen tidak dikenal"),
        ("there", date(2024, 6, 1), t.KPSP, t.DEVIATION, "tidak ditemukan di wilayah Anda"),
    ],
)
def test_bad_screenings_are_refused_and_change_nothing(
    units: Any,
    personas: dict[str, Any],
    children: dict[str, Any],
    who: str,
    screened_on: date,
    instrument: str,
    result: str,
    message: str,
) -> None:
    before = _counts()
    with pytest.raises(ReferralError, match=message):
        screening_record(
            user=personas["kader_sungai_duri"],
            child_id=children[who].pk,
            screened_on=screened_on,
            instrument=instrument,
            result=result,
        )
    assert _counts() == before


def test_str_never_names_the_child(units: Any, personas: dict[str, Any], children: dict[str, Any]) -> None:
    referral = _send(personas, children["here"], attachments=[SimpleUploadedFile("a.png", PNG)])
    screening = screening_record(
        user=personas["kader_sungai_duri"],
        child_id=children["here"].pk,
        screened_on=date(2024, 6, 1),
        instrument=t.KPSP,
        result=t.APPROPRIATE,
    ).screening
    for obj in (referral, referral.events.first(), referral.attachments.first(), screening):
        assert children["here"].name not in str(obj) and str(obj)
