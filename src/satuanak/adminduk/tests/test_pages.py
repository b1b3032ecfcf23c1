"""The pages: the operator sees only their facility's declarations, the officer's actions, a bad
form is a 400 with the reasons, the public tracking page shows only a state and is throttled."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from satuanak.accounts.models import Agency, User
from satuanak.adminduk import states as s
from satuanak.adminduk.models import BirthDeclaration
from satuanak.adminduk.services import declaration_create, declaration_transition
from satuanak.adminduk.tests.conftest import NOW, birth_input, couples, scans
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.web import adminduk_views


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _declare(user: Any, couple: Any, **over: Any) -> BirthDeclaration:
    return declaration_create(
        user=user, data=birth_input(couple, **over), attachments=scans("birth_letter", "mother_id"), at=NOW
    )


@pytest.fixture
def other_operator(personas: dict[str, Any]) -> Any:
    agency = Agency.objects.get(code="pkm-sungai-duri")
    return User.objects.create_user(
        username="bidan_pkm", password="unused-in-tests-123", role="birth_operator", agency=agency
    )


@pytest.mark.django_db
def test_a_birth_operator_sees_only_their_facilitys_declarations(
    siak: Any, personas: dict[str, Any], other_operator: Any
) -> None:
    c1, c2 = couples(2)
    mine = _declare(personas["bidan_rsud"], c1)
    theirs = _declare(other_operator, c2, baby_name="Budi")
    client = _client(personas["bidan_rsud"])
    page = client.get(reverse("web:adminduk-declarations"))
    assert page.status_code == 200 and "Aurel Putri" in page.text and "Budi" not in page.text
    assert client.get(reverse("web:adminduk-declaration", args=[mine.pk])).status_code == 200
    assert client.get(reverse("web:adminduk-declaration", args=[theirs.pk])).status_code == 404
    att = theirs.attachments.first()
    assert att is not None
    assert client.get(reverse("web:adminduk-declaration-attachment", args=[att.pk])).status_code == 404
    assert client.get(reverse("web:adminduk-declaration", args=[999999])).status_code == 404
    # the officer's pages are not the operator's
    assert client.get(reverse("web:adminduk-queue")).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.CHILD_VIEWED, subject_type="birth_declaration", subject_id=str(mine.pk)
    ).exists()


@pytest.mark.django_db
def test_the_form_refuses_an_invalid_nik_with_a_400_and_saves_nothing(
    siak: Any, personas: dict[str, Any]
) -> None:
    couple = couples(1)[0]
    client = _client(personas["bidan_rsud"])
    form = {
        "nama_bayi": "Aurel",
        "jk": "P",
        "tanggal_lahir": "2024-12-27",
        "jam_lahir": "04:30",
        "tempat_lahir": "Bengkayang",
        "berat": "3100",
        "panjang": "49,5",
        "nik_ibu": "61070112345",
        "nama_ibu": couple.mother_name,
        "aksi": "kirim",
    }
    page = client.post(reverse("web:adminduk-declaration-new"), form)
    assert page.status_code == 400 and "16 digit" in page.text and 'role="alert"' in page.text
    # the check button: found, name matches, KK shown; nothing saved
    form.update(nik_ibu=couple.mother_nik, aksi="periksa")
    page = client.post(reverse("web:adminduk-declaration-new"), form)
    assert (
        page.status_code == 200 and "nama cocok / name matches" in page.text and couple.kk_number in page.text
    )
    assert BirthDeclaration.objects.count() == 0
    # a NIK not in SIAK without "not found" ticked is refused
    form.update(nik_ibu="6107014101990001", aksi="kirim")
    page = client.post(reverse("web:adminduk-declaration-new"), form)
    assert page.status_code == 400 and "tidak ditemukan di SIAK" in page.text
    assert BirthDeclaration.objects.count() == 0


@pytest.mark.django_db
def test_the_officer_returns_and_the_operator_resubmits_through_the_pages(
    siak: Any, personas: dict[str, Any]
) -> None:
    d = _declare(personas["bidan_rsud"], couples(1)[0])
    officer = _client(personas["dukcapil"])
    queue = officer.get(reverse("web:adminduk-queue"))
    assert queue.status_code == 200 and f"#{d.pk}" in queue.text
    page = officer.post(
        reverse("web:adminduk-review-action", args=[d.pk]), {"status": s.RETURNED, "alasan": ""}
    )
    assert page.status_code == 400 and "Alasan wajib" in page.text
    officer.post(
        reverse("web:adminduk-review-action", args=[d.pk]), {"status": s.RETURNED, "alasan": "Buku nikah"}
    )
    d.refresh_from_db()
    assert d.state == s.RETURNED
    operator = _client(personas["bidan_rsud"])
    upload = scans("marriage_book")["marriage_book"][0]
    operator.post(reverse("web:adminduk-declaration-resubmit", args=[d.pk]), {"buku_nikah": upload})
    d.refresh_from_db()
    assert d.state == s.SUBMITTED and d.attachments.filter(kind="marriage_book").exists()
    levels = officer.get(reverse("web:adminduk-service-levels"))
    assert levels.status_code == 200 and "target 90%" in levels.text


@pytest.mark.django_db
def test_the_tracking_page_shows_only_the_state_and_where_to_collect(
    siak: Any, personas: dict[str, Any]
) -> None:
    d = _declare(personas["bidan_rsud"], couples(1)[0])
    declaration_transition(
        user=personas["dukcapil"], declaration=d, to_state=s.RETURNED, reasons="Buku nikah"
    )
    page = Client().get(reverse("web:adminduk-tracking"), {"kode": d.tracking_code.lower()})
    assert page.status_code == 200
    result = re.search(r'data-testid="tracking-result">(.*?)</section>', page.text, re.S)
    assert result is not None
    shown = result.group(1)
    assert "Dikembalikan" in shown and d.facility.name in shown
    for private in (d.baby_name, d.mother_name, d.mother_nik, d.father_name, "Buku nikah", d.desa.name):
        assert private not in page.text


@pytest.mark.django_db
def test_enumerating_tracking_codes_is_throttled_and_logged(siak: Any, personas: dict[str, Any]) -> None:
    d = _declare(personas["bidan_rsud"], couples(1)[0])
    client = Client(REMOTE_ADDR="203.0.113.7")
    url = reverse("web:adminduk-tracking")
    statuses = [
        client.get(url, {"kode": f"ABCD{n:04d}"}).status_code
        for n in range(adminduk_views.TRACKING_MAX_MISSES)
    ]
    assert statuses == [404] * adminduk_views.TRACKING_MAX_MISSES
    refused = client.get(url, {"kode": d.tracking_code})  # even a right code, once over the limit
    assert refused.status_code == 429 and "Terlalu banyak" in refused.text and "Too many" in refused.text
    assert "Dikembalikan" not in refused.text and "Diterima" not in refused.text
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, subject_type="tracking").exists()
    # another address is not affected
    assert Client(REMOTE_ADDR="198.51.100.2").get(url, {"kode": d.tracking_code}).status_code == 200
