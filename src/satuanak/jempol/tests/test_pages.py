"""Jempol pages: Disdukcapil, the planner and the steward get 200 and an audit entry, other roles
403, anonymous visitors the login page; bad input answers 400 with a bilingual message."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.common import clock
from satuanak.jempol.models import OutreachPlan, Visit
from satuanak.jempol.selectors import default_quarter
from satuanak.jempol.tests.conftest import EXPECTED_ORDER
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db
PAGES = ["/jempol/", "/jempol/rencana.json", "/jempol/kunjungan/"]


def _client(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("persona", "status"),
    [("dukcapil", 200), ("bappeda", 200), ("steward", 200), ("dinkes", 403), ("publik", 403), ("ppa", 403)],
)
def test_pages_by_role(persona: str, status: int, personas: dict[str, Any], gaps: dict[str, Any]) -> None:
    user = personas[persona]
    client = _client(user)
    for url in PAGES:
        before = AuditEvent.objects.filter(actor=user).count()
        response = client.get(url)
        assert response.status_code == status, (persona, url)
        assert AuditEvent.objects.filter(actor=user).count() > before, (persona, url, "no audit entry")
        if status == 200:
            assert AuditEvent.objects.filter(
                actor=user, action=AuditAction.CHILD_LIST_VIEWED, subject_type__startswith="jempol_"
            ).exists()


def test_anonymous_goes_to_login(gaps: dict[str, Any]) -> None:
    for url in PAGES:
        response = Client().get(url)
        assert response.status_code == 302 and "/masuk/" in response["Location"], url


def test_plan_page_shows_the_proposal_largest_gaps_first(
    personas: dict[str, Any], gaps: dict[str, Any]
) -> None:
    quarter = default_quarter(clock.today())
    response = _client(personas["bappeda"]).get("/jempol/", {"triwulan": quarter, "hari": "12"})
    page = response.content.decode()
    assert response.status_code == 200
    positions = [page.index(f'data-desa="{code}"') for code in EXPECTED_ORDER]
    assert positions == sorted(positions)
    assert 'data-desa="61.07.04.2003"' not in page  # no gap, no visit
    assert "usulan (belum disimpan)" in page and "jempol.js" in page and 'id="jempol-peta"' in page
    assert f"/jempol/rencana.json?triwulan={quarter}" in page
    assert "<script>" not in page.replace('<script src="', "")  # no inline script (CSP)


def test_save_and_confirm_through_the_page(personas: dict[str, Any], gaps: dict[str, Any]) -> None:
    client = _client(personas["dukcapil"])
    quarter = default_quarter(clock.today())
    response = client.post("/jempol/", {"aksi": "simpan", "triwulan": quarter, "hari": "3"})
    assert response.status_code == 302
    plan = OutreachPlan.objects.get(quarter=quarter)
    assert plan.status == "draft" and plan.visits.count() == 3
    page = client.get("/jempol/", {"triwulan": quarter}).content.decode()
    assert "Tetapkan rencana" in page
    response = client.post("/jempol/", {"aksi": "tetapkan", "rencana": str(plan.pk), "triwulan": quarter})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "confirmed"
    data = client.get("/jempol/rencana.json", {"triwulan": quarter}).json()
    assert data["status"] == "confirmed"
    assert [v["desa_kode"] for v in data["kunjungan"]] == EXPECTED_ORDER[:3]


@pytest.mark.parametrize(
    ("method", "url", "data", "message"),
    [
        ("get", "/jempol/", {"triwulan": "2025Q9"}, "Triwulan tidak sah"),
        ("get", "/jempol/", {"hari": "banyak"}, "Hari kunjungan harus angka"),
        ("get", "/jempol/", {"hari": "0"}, "Hari kunjungan harus angka"),
        ("get", "/jempol/", {"triwulan": "2021Q1"}, "sudah lewat"),
        ("post", "/jempol/", {"aksi": "hapus"}, "Aksi tidak dikenal"),
        ("post", "/jempol/", {"aksi": "tetapkan", "rencana": "x"}, "Rencana tidak ditemukan"),
        ("post", "/jempol/", {"aksi": "simpan", "hari": "200"}, "Hari kunjungan harus angka"),
        ("post", "/jempol/kunjungan/", {"desa": "61.07.07.2001", "tanggal": "kemarin"}, "Tanggal tidak sah"),
        (
            "post",
            "/jempol/kunjungan/",
            {"desa": "61.07.07.2001", "tanggal": "2024-11-01", "layanan": ["akta"], "dok_akta": "-2"},
            "negatif",
        ),
        (
            "post",
            "/jempol/kunjungan/",
            {"desa": "nowhere", "tanggal": "2024-11-01", "layanan": ["akta"]},
            "Desa tidak dikenal",
        ),
    ],
)
def test_bad_input_is_a_400_with_a_message(
    method: str, url: str, data: dict[str, Any], message: str, personas: dict[str, Any], gaps: dict[str, Any]
) -> None:
    response = getattr(_client(personas["dukcapil"]), method)(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error" role="alert"' in page and message in page and " / " in page
    assert not OutreachPlan.objects.exists() and not Visit.objects.exists()


def test_json_bad_input(personas: dict[str, Any], gaps: dict[str, Any]) -> None:
    response = _client(personas["bappeda"]).get("/jempol/rencana.json", {"triwulan": "kemarin"})
    assert response.status_code == 400
    body = response.json()
    assert "Triwulan tidak sah" in body["error"] and "Invalid quarter" in body["error_en"]


def test_json_has_no_personal_data(personas: dict[str, Any], gaps: dict[str, Any]) -> None:
    child = ChildFactory.create(desa=Desa.objects.get(code="61.07.07.2001"), name="ANAK RAHASIA JEMPOL")
    response = _client(personas["dukcapil"]).get("/jempol/rencana.json", {"hari": "12"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    text = response.content.decode()
    assert child.name not in text and child.nik not in text
    data = json.loads(text)
    assert [v["desa_kode"] for v in data["kunjungan"]] == EXPECTED_ORDER
    allowed = {
        "urutan", "tanggal", "desa_kode", "desa", "kecamatan", "tanpa_akta", "tanpa_kia", "kesenjangan",
        "jarak_km", "hari_sejak_kunjungan", "skor", "prioritas", "alasan",
    }  # fmt: skip
    assert all(set(v) == allowed for v in data["kunjungan"])
    assert data["kunjungan"][-1]["tanpa_kia"] == "<5"  # Sungkung I: 4 children, a small count
    assert data["periode_data"] == "2024Q4" and data["status"] == "proposal"


def test_visit_page_records_and_shows_coverage(personas: dict[str, Any], gaps: dict[str, Any]) -> None:
    client = _client(personas["dukcapil"])
    day = clock.today() - timedelta(days=3)
    response = client.post(
        "/jempol/kunjungan/",
        {
            "desa": "61.07.07.2001",
            "tanggal": day.isoformat(),
            "tim": "Tim A",
            "layanan": ["akta", "kia"],
            "dok_akta": "7",
            "dok_kia": "4",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?desa=61.07.07.2001")
    visit = Visit.objects.get()
    assert (visit.issued_akta, visit.issued_kia, visit.before_period) == (7, 4, "2024Q4")
    page = client.get(response["Location"]).content.decode()
    assert "Jagoi" in page and "93,3%" in page and "belum tersedia / not yet available" in page


def test_planner_sees_visits_but_cannot_record(personas: dict[str, Any], gaps: dict[str, Any]) -> None:
    client = _client(personas["bappeda"])
    page = client.get("/jempol/kunjungan/").content.decode()
    assert 'data-testid="visit-form"' not in page
    response = client.post(
        "/jempol/kunjungan/", {"desa": "61.07.07.2001", "tanggal": "2024-11-01", "layanan": ["akta"]}
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "persona",
    [
        "steward", "dinkes", "pkm_sungai_duri", "pkm_samalantan", "dukcapil", "disdikbud", "duta_sekolah",
        "ppa", "ppa_sungai_raya", "bappeda", "bidan_rsud", "kader_sungai_duri", "kader_samalantan", "publik",
    ],
)  # fmt: skip
def test_every_persona_as_the_role_table_says(persona: str, personas: dict[str, Any]) -> None:
    """Without any flags computed (as the every-route test walks them): 200 and an audit entry
    for the roles holding PLAN_OUTREACH, 403 and an access-denied entry for the others."""
    from satuanak.access.policy import Capability, role_can

    user = personas[persona]
    allowed = role_can(user.role, Capability.PLAN_OUTREACH)
    client = _client(user)
    for url in PAGES:
        before = AuditEvent.objects.count()
        response = client.get(url, {"tujuan": "uji akses"})
        assert response.status_code == (200 if allowed else 403), (persona, url)
        assert AuditEvent.objects.count() > before, (persona, url)
    if not allowed:
        assert AuditEvent.objects.filter(actor=user, action=AuditAction.ACCESS_DENIED).count() >= len(PAGES)
