"""The linkage review pages: two records side by side, a decision kept and audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.linkage.models import LinkedRecord, ReviewPair


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pairs(db: None) -> list[ReviewPair]:
    rows = [
        ("siak:6107015203210001", {"name": "SITI AMINAH", "nik": "6107015203210001", "dob": "2021-03-12"}),
        ("eppgbm:n:siti aminah|2021-12-03|nurhaliza", {"name": "St. Aminah", "dob": "2021-12-03"}),
        ("simfoni:6107015203210001", {"name": "KORBAN RAHASIA"}),
    ]
    for rid, ident in rows:
        LinkedRecord.objects.create(record_id=rid, source=rid.split(":")[0], features="x", identity=ident)
    one = ReviewPair.objects.create(
        record_l=rows[1][0],
        record_r=rows[0][0],
        probability=0.93,
        match_weight=3.7,
        weights={"name": 6.1, "dob": 2.0, "desa": -1.5},
        reason="Tidak pasti / uncertain",
    )
    violence = ReviewPair.objects.create(
        record_l=rows[0][0], record_r=rows[2][0], probability=0.9, reason="x"
    )
    return [one, violence]


@pytest.mark.django_db
def test_steward_sees_both_records_masked_and_decides(
    personas: dict[str, Any], pairs: list[ReviewPair]
) -> None:
    client = _client(personas["steward"])
    listing = client.get("/tautan/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert f"/tautan/{pairs[0].pk}/" in body
    # the steward may not see violence cases: a pair with a SIMFONI record is not theirs to review
    assert f"/tautan/{pairs[1].pk}/" not in body
    assert client.get(f"/tautan/{pairs[1].pk}/").status_code == 404

    page = client.get(f"/tautan/{pairs[0].pk}/")
    html = page.content.decode()
    assert "SITI AMINAH" in html and "St. Aminah" in html
    assert "6107015203210001" not in html  # the NIK is masked
    assert "Nama / name" in html and "6,1" in html  # per-comparison weights (Indonesian decimal comma)
    assert AuditEvent.objects.filter(action=AuditAction.REVIEW_VIEWED, subject_id=str(pairs[0].pk)).exists()

    bad = client.post(f"/tautan/{pairs[0].pk}/", {"keputusan": "mungkin"})
    assert bad.status_code == 400 and "Pilih" in bad.content.decode()
    done = client.post(f"/tautan/{pairs[0].pk}/", {"keputusan": "beda", "catatan": "tanggal lahir berbeda"})
    assert done.status_code == 302
    pairs[0].refresh_from_db()
    assert pairs[0].status == ReviewPair.Status.REJECTED and pairs[0].decided_by == personas["steward"]
    assert pairs[0].note == "tanggal lahir berbeda"
    assert AuditEvent.objects.filter(action=AuditAction.REVIEW_DECIDED, subject_id=str(pairs[0].pk)).exists()
    decided = client.get("/tautan/?status=rejected").content.decode()
    assert f"/tautan/{pairs[0].pk}/" in decided


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["dinkes", "ppa", "kader_sungai_duri", "publik"])
def test_roles_without_review_rights_are_refused(
    personas: dict[str, Any], pairs: list[ReviewPair], persona: str
) -> None:
    client = _client(personas[persona])
    assert client.get("/tautan/").status_code == 403
    assert client.post(f"/tautan/{pairs[0].pk}/", {"keputusan": "sama"}).status_code == 403
    pairs[0].refresh_from_db()
    assert pairs[0].status == ReviewPair.Status.OPEN


@pytest.mark.django_db
def test_a_run_started_from_the_page_says_when_there_is_nothing_to_link(personas: dict[str, Any]) -> None:
    from satuanak.linkage.models import LinkageRun

    client = _client(personas["steward"])
    assert client.get("/tautan/jalankan/").status_code == 405  # starting work takes a POST
    response = client.post("/tautan/jalankan/", {"penuh": "1"})
    assert response.status_code == 302 and response["Location"] == "/tautan/"
    run = LinkageRun.objects.get()  # the test settings run tasks at once
    assert run.status == LinkageRun.Status.DONE and run.started_by == personas["steward"]
    assert "Impor data sumber dahulu" in run.message
    page = client.get("/tautan/").content.decode()
    assert "Impor data sumber dahulu" in page and "Jalankan penautan" in page
