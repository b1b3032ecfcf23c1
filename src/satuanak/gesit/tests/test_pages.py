"""GESIT pages: the right roles get 200 and an audit entry, others 403, other areas 404; a POST
with bad input answers 400 with a bilingual message and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from satuanak.audit.models import AuditEvent
from satuanak.facilities.models import Posyandu
from satuanak.gesit.models import Baas, BaasAssignment, PmtDelivery, ProsasaEntry
from satuanak.gesit.services import assignment_confirm, baas_create

TODAY = timezone.localdate()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def running(personas: dict[str, Any], area: dict[str, Any]) -> dict[str, Any]:
    staff = personas["pkm_sungai_duri"]
    baas = baas_create(
        user=staff, kind="company", name="PT Contoh Peduli", desa_code="61.07.01.2001", capacity=2
    )
    (a,) = assignment_confirm(
        user=staff, baas=baas, child_ids=[area["sd_severe"].pk], start_date=TODAY - timedelta(days=14)
    )
    far = baas_create(
        user=personas["pkm_samalantan"],
        kind="person",
        name="Bunda Asuh Samalantan",
        desa_code="61.07.02.2001",
    )
    return {
        "baas": baas,
        "far_baas": far,
        "assignment": a,
        "posyandu": Posyandu.objects.filter(desa__code="61.07.01.2001").order_by("code").first(),
        "far_posyandu": Posyandu.objects.filter(desa__code="61.07.02.2001").order_by("code").first(),
    }


def _pages(r: dict[str, Any]) -> dict[str, str]:
    return {
        "overview": "/gesit/",
        "baas_new": "/gesit/baas/baru/",
        "baas": f"/gesit/baas/{r['baas'].pk}/",
        "pmt": f"/gesit/pmt/{r['assignment'].pk}/",
        "prosasa_list": "/gesit/prosasa/",
        "prosasa": f"/gesit/prosasa/{r['posyandu'].pk}/",
        "uncovered": "/gesit/belum-tercakup/?desa=61.07.01.2001",
    }


RUN = {"baas_new", "baas"}  # RUN_PROGRAMMES; the others RECORD_INTERVENTIONS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("dinkes", {"overview", "baas_new", "baas", "pmt", "prosasa_list", "prosasa", "uncovered"}),
        ("steward", {"overview", "baas_new", "baas", "pmt", "prosasa_list", "prosasa", "uncovered"}),
        ("pkm_sungai_duri", {"overview", "baas_new", "baas", "pmt", "prosasa_list", "prosasa", "uncovered"}),
        ("kader_sungai_duri", {"overview", "pmt", "prosasa_list", "prosasa", "uncovered"}),
        ("disdikbud", set()),
        ("bappeda", set()),
        ("publik", set()),
    ],
)
def test_pages_by_role(
    persona: str, allowed: set[str], personas: dict[str, Any], running: dict[str, Any]
) -> None:
    client = _client(personas[persona])
    for page, url in _pages(running).items():
        before = AuditEvent.objects.count()
        response = client.get(url)
        if page in allowed:
            assert response.status_code == 200, (persona, page)
            assert AuditEvent.objects.count() > before, (persona, page, "a look without an audit entry")
            assert "ANAK SAMALANTAN STUNTING" not in response.content.decode()
            assert len(response.content) < 60_000, (page, len(response.content))  # small, for a phone
        else:
            assert response.status_code == 403, (persona, page)


@pytest.mark.django_db
def test_other_areas_and_unknown_ids_are_404(personas: dict[str, Any], running: dict[str, Any]) -> None:
    samalantan = _client(personas["pkm_samalantan"])
    assert samalantan.get(f"/gesit/baas/{running['baas'].pk}/").status_code == 404
    assert samalantan.get(f"/gesit/pmt/{running['assignment'].pk}/").status_code == 404
    assert samalantan.get(f"/gesit/prosasa/{running['posyandu'].pk}/").status_code == 404
    assert samalantan.get(f"/gesit/baas/{running['far_baas'].pk}/").status_code == 200
    cadre = _client(personas["kader_sungai_duri"])
    assert cadre.get(f"/gesit/prosasa/{running['far_posyandu'].pk}/").status_code == 404
    assert cadre.get("/gesit/pmt/999999/").status_code == 404
    assert _client(personas["dinkes"]).get("/gesit/baas/999999/").status_code == 404
    # the Prosasa list shows the cadre's own posyandu only
    body = cadre.get("/gesit/prosasa/").content.decode()
    assert running["posyandu"].name in body and running["far_posyandu"].name not in body
    # a district-wide role chooses a kecamatan before a list of hundreds of posyandu
    district = _client(personas["dinkes"])
    assert "Pilih kecamatan" in district.get("/gesit/prosasa/").content.decode()
    one = district.get("/gesit/prosasa/?kecamatan=61.07.02").content.decode()
    assert running["far_posyandu"].name in one and running["posyandu"].name not in one
    # the overview lists the BAAS of the area, not another area's
    overview = cadre.get("/gesit/").content.decode()
    assert "PT Contoh Peduli" in overview and "Bunda Asuh Samalantan" not in overview
    assert "ANAK SD BERAT" in overview


def _counts() -> tuple[int, ...]:
    return (
        Baas.objects.count(),
        BaasAssignment.objects.count(),
        PmtDelivery.objects.count(),
        ProsasaEntry.objects.count(),
    )


def _bad(response: Any, message: str) -> None:
    assert response.status_code == 400
    body = response.content.decode()
    assert '<p class="error" role="alert">' in body and message in body


@pytest.mark.django_db
def test_bad_posts_answer_400_and_change_nothing(
    personas: dict[str, Any], running: dict[str, Any], area: dict[str, Any]
) -> None:
    staff, cadre = _client(personas["pkm_sungai_duri"]), _client(personas["kader_sungai_duri"])
    before = _counts()
    _bad(
        staff.post(
            "/gesit/baas/baru/", {"jenis": "person", "nama": "X", "desa": "61.07.01.2001", "kapasitas": "11"}
        ),
        "Kapasitas harus 1 sampai 10 anak",
    )
    _bad(
        staff.post("/gesit/baas/baru/", {"jenis": "person", "nama": "X", "desa": "61.07.02.2001"}),
        "Desa not found in your area",
    )
    baas_url = f"/gesit/baas/{running['baas'].pk}/"
    ids = [area["sd_moderate"].pk, area["jaga_severe"].pk]  # 1 taken of 2 + 2 = 3
    _bad(
        staff.post(baas_url, {"aksi": "tetapkan", "anak": ids, "mulai": TODAY.isoformat()}),
        "Beyond the BAAS&#x27;s capacity",
    )
    _bad(staff.post(baas_url, {"aksi": "tetapkan", "anak": ids[:1], "mulai": "besok"}), "Invalid date")
    _bad(
        staff.post(
            baas_url, {"aksi": "tetapkan", "anak": [area["sd_normal"].pk], "mulai": TODAY.isoformat()}
        ),
        "tidak ditandai stunting",
    )
    _bad(
        staff.post(baas_url, {"aksi": "akhiri", "penugasan": running["assignment"].pk, "alasan": ""}),
        "State why it ends",
    )
    pmt_url = f"/gesit/pmt/{running['assignment'].pk}/"
    _bad(
        cadre.post(
            pmt_url, {"tanggal": TODAY.isoformat(), "barang": "telur", "jumlah": "0", "satuan": "butir"}
        ),
        "The quantity must be more than zero",
    )
    _bad(
        cadre.post(
            pmt_url,
            {
                "tanggal": (TODAY - timedelta(days=30)).isoformat(),
                "barang": "telur",
                "jumlah": "7",
                "satuan": "butir",
            },
        ),
        "outside the assignment",
    )
    prosasa_url = f"/gesit/prosasa/{running['posyandu'].pk}/"
    _bad(
        cadre.post(prosasa_url, {"tanggal": TODAY.isoformat(), "arah": "out", "telur": "5", "uang": "0"}),
        "below zero",
    )
    _bad(
        cadre.post(prosasa_url, {"tanggal": TODAY.isoformat(), "arah": "in", "telur": "lima", "uang": ""}),
        "whole numbers",
    )
    assert _counts() == before


@pytest.mark.django_db
def test_good_posts_save_and_redirect(
    personas: dict[str, Any], running: dict[str, Any], area: dict[str, Any]
) -> None:
    staff, cadre = _client(personas["pkm_sungai_duri"]), _client(personas["kader_sungai_duri"])
    created = staff.post(
        "/gesit/baas/baru/",
        {
            "jenis": "person",
            "nama": "Bapak Asuh Baru",
            "desa": "61.07.01.2004",
            "telepon": "0812",
            "kapasitas": "3",
        },
    )
    assert created.status_code == 302
    new = Baas.objects.get(name="Bapak Asuh Baru")
    assert (new.capacity, new.desa.code, new.kecamatan.code) == (3, "61.07.01.2004", "61.07.01")  # type: ignore[union-attr]
    page = staff.get(f"/gesit/baas/{new.pk}/").content.decode()
    assert "ANAK JAGA BERAT" in page and "ANAK SD NORMAL" not in page  # suggested: stunted only
    done = staff.post(
        f"/gesit/baas/{new.pk}/",
        {"aksi": "tetapkan", "anak": [area["jaga_severe"].pk], "mulai": TODAY.isoformat()},
    )
    assert done.status_code == 302
    assert BaasAssignment.objects.filter(baas=new, child=area["jaga_severe"], status="confirmed").exists()
    pmt_url = f"/gesit/pmt/{running['assignment'].pk}/"
    assert (
        cadre.post(
            pmt_url, {"tanggal": TODAY.isoformat(), "barang": "telur", "jumlah": "7", "satuan": "butir"}
        ).status_code
        == 302
    )
    assert "telur" in cadre.get(pmt_url).content.decode()
    prosasa_url = f"/gesit/prosasa/{running['posyandu'].pk}/"
    assert (
        cadre.post(
            prosasa_url, {"tanggal": TODAY.isoformat(), "arah": "in", "telur": "30", "uang": "50.000"}
        ).status_code
        == 302
    )
    entry = ProsasaEntry.objects.get()
    assert (entry.eggs, entry.money, entry.recorded_by) == (30, 50_000, personas["kader_sungai_duri"])
    author = entry.recorded_by.get_full_name() or entry.recorded_by.username
    ledger = cadre.get(prosasa_url).content.decode()
    assert f"<td>{author}</td>" in ledger and 'data-testid="balance">30 butir' in ledger
    ended = staff.post(
        f"/gesit/baas/{running['baas'].pk}/",
        {"aksi": "akhiri", "penugasan": running["assignment"].pk, "alasan": "pindah"},
    )
    assert ended.status_code == 302
    running["assignment"].refresh_from_db()
    assert running["assignment"].status == "ended"
