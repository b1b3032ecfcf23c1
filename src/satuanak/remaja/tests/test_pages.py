"""The pages: 200 with an audit entry for roles that record adolescent health, 403 for others,
404 for objects out of scope, bad input a 400 with nothing saved."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.remaja.models import (
    AnaemiaScreening,
    CounsellingTally,
    PkprAssessment,
    PosyanduRemaja,
    PosyanduRemajaSession,
    TtdWeek,
)
from satuanak.remaja.services import posyandu_remaja_create

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pages(
    standard: Any, personas: dict[str, Any], sungai_duri: Any, sungai_duri_desa: Any, girl: Any
) -> list[str]:
    p = posyandu_remaja_create(user=personas["dinkes"], desa_code=sungai_duri_desa.code, name="PR Duri")
    return [
        "/remaja/kesehatan/",
        f"/remaja/pkpr/{sungai_duri.pk}/",
        "/remaja/posyandu-remaja/",
        f"/remaja/posyandu-remaja/{p.pk}/",
        "/remaja/konseling/",
        "/remaja/anemia/",
        f"/remaja/anemia/anak/{girl.pk}/",
        "/remaja/anemia/tindak-lanjut/",
        "/remaja/ttd/",
    ]


@pytest.mark.parametrize("name", ["dinkes", "pkm_sungai_duri", "kader_sungai_duri", "steward"])
def test_every_page_opens_with_an_audit_entry(name: str, personas: dict[str, Any], pages: list[str]) -> None:
    user = personas[name]
    client = _client(user)
    for url in pages:
        before = AuditEvent.objects.filter(actor=user, action=AuditAction.ADOLESCENT_VIEWED).count()
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        after = AuditEvent.objects.filter(actor=user, action=AuditAction.ADOLESCENT_VIEWED).count()
        assert after > before, (name, url, "a look without an audit entry")


@pytest.mark.parametrize("name", ["bappeda", "dukcapil", "ppa", "publik", "bidan_rsud"])
def test_roles_without_the_capability_get_403(name: str, personas: dict[str, Any], pages: list[str]) -> None:
    client = _client(personas[name])
    for url in pages:
        assert client.get(url).status_code == 403, (name, url)
        assert client.post(url, {"nama": "x"}).status_code == 403, (name, url)
    assert not AuditEvent.objects.filter(actor=personas[name], action=AuditAction.ADOLESCENT_VIEWED).exists()


def test_anonymous_is_sent_to_login(pages: list[str]) -> None:
    for url in pages:
        response = Client().get(url)
        assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_out_of_scope_objects_are_404(
    personas: dict[str, Any], samalantan_desa: Any, girl: Any, pages: list[str], reference_data: None
) -> None:
    other = posyandu_remaja_create(
        user=personas["dinkes"], desa_code=samalantan_desa.code, name="PR Samalantan"
    )
    kader = _client(personas["kader_samalantan"])
    assert kader.get(f"/remaja/posyandu-remaja/{other.pk}/").status_code == 200
    pkm = _client(personas["pkm_sungai_duri"])
    assert pkm.get(f"/remaja/posyandu-remaja/{other.pk}/").status_code == 404
    assert pkm.get("/remaja/posyandu-remaja/999999/").status_code == 404
    # a girl of Sungai Duri opened by Samalantan's staff: 404 and an ACCESS_DENIED entry
    response = _client(personas["pkm_samalantan"]).get(f"/remaja/anemia/anak/{girl.pk}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor=personas["pkm_samalantan"], action=AuditAction.ACCESS_DENIED, subject_id=str(girl.pk)
    ).exists()
    # a facility id that is not a puskesmas
    from satuanak.facilities.models import HealthFacility

    hospital = HealthFacility.objects.exclude(kind="puskesmas").first()
    assert hospital is not None
    assert pkm.get(f"/remaja/pkpr/{hospital.pk}/").status_code == 404


def test_lists_show_only_girls_in_the_area(
    personas: dict[str, Any], girl: Any, girl_samalantan: Any, smp_sungai_raya: Any, pages: list[str]
) -> None:
    from satuanak.remaja.services import anaemia_screening_record

    for child in (girl, girl_samalantan):
        anaemia_screening_record(
            user=personas["dinkes"],
            child_id=child.pk,
            school_id=smp_sungai_raya.pk,
            screened_on=date(2024, 12, 2),
            hb_g_dl="10.1",
        )
    pkm = _client(personas["pkm_sungai_duri"])
    for url in ("/remaja/anemia/", "/remaja/anemia/tindak-lanjut/", "/remaja/kesehatan/", "/remaja/ttd/"):
        body = pkm.get(url).content.decode()
        assert girl_samalantan.name not in body, url
    assert girl.name in pkm.get("/remaja/anemia/tindak-lanjut/").content.decode()
    assert (
        girl_samalantan.name
        in _client(personas["dinkes"]).get("/remaja/anemia/tindak-lanjut/").content.decode()
    )


def test_pkpr_form_saves_and_bad_input_is_400(
    personas: dict[str, Any], standard: Any, sungai_duri: Any, samalantan: Any
) -> None:
    pkm = _client(personas["pkm_sungai_duri"])
    url = f"/remaja/pkpr/{sungai_duri.pk}/"
    data = {f"butir-{c}": "ya" for c in standard.items.values_list("code", flat=True)} | {
        "tanggal": "2024-12-01"
    }
    bad = dict(data)
    del bad["butir-PKPR-1"]
    response = pkm.post(url, bad)
    assert response.status_code == 400 and "PKPR-1" in response.content.decode()
    assert pkm.post(url, data | {"tanggal": "kemarin"}).status_code == 400
    assert not PkprAssessment.objects.exists()
    assert pkm.post(url, data).status_code == 302
    assert "Memenuhi standar" in pkm.get(url).content.decode()
    # another puskesmas's checklist: readable, not writable
    other = f"/remaja/pkpr/{samalantan.pk}/"
    assert 'data-testid="pkpr-form"' not in pkm.get(other).content.decode()
    assert pkm.post(other, data).status_code == 400
    assert PkprAssessment.objects.count() == 1


def test_posyandu_pages_save_and_refuse(
    personas: dict[str, Any], sungai_duri_desa: Any, samalantan_desa: Any
) -> None:
    kader = _client(personas["kader_sungai_duri"])
    assert (
        kader.post("/remaja/posyandu-remaja/", {"desa": samalantan_desa.code, "nama": "X"}).status_code == 400
    )
    assert (
        kader.post(
            "/remaja/posyandu-remaja/",
            {"desa": sungai_duri_desa.code, "nama": "Y", "kader": "2", "kader_terlatih": "3"},
        ).status_code
        == 400
    )
    assert not PosyanduRemaja.objects.exists()
    response = kader.post(
        "/remaja/posyandu-remaja/",
        {"desa": sungai_duri_desa.code, "nama": "Mawar", "kader": "4", "kader_terlatih": "2"},
    )
    assert response.status_code == 302
    p = PosyanduRemaja.objects.get()
    url = f"/remaja/posyandu-remaja/{p.pk}/"
    assert 'data-testid="posyandu-status"><span class="remaja-no"' in kader.get(url).content.decode()
    session = {
        "tanggal": "2024-12-10",
        "putri": "9",
        "putra": "3",
        "kader_hadir": "2",
        "topik": ["anemia", "gizi"],
    }
    changes: list[dict[str, Any]] = [{"topik": []}, {"putri": "-1"}, {"tanggal": "2024-13-40"}]
    for change in changes:
        assert kader.post(url, session | change).status_code == 400
    assert not PosyanduRemajaSession.objects.exists()
    assert kader.post(url, session).status_code == 302
    assert 'data-testid="posyandu-status"><span class="remaja-yes"' in kader.get(url).content.decode()


def test_counselling_form(personas: dict[str, Any], sungai_duri: Any, samalantan: Any) -> None:
    pkm = _client(personas["pkm_sungai_duri"])
    good = {"puskesmas": str(sungai_duri.pk), "bulan": "2024-11", "mental|P|15-19": "4"}
    assert pkm.post("/remaja/konseling/", good | {"mental|P|15-19": "banyak"}).status_code == 400
    assert pkm.post("/remaja/konseling/", good | {"puskesmas": str(samalantan.pk)}).status_code == 400
    assert pkm.post("/remaja/konseling/", good | {"bulan": "November"}).status_code == 400
    assert not CounsellingTally.objects.exists()
    assert pkm.post("/remaja/konseling/", good).status_code == 302
    assert CounsellingTally.objects.get().visits == 4
    # a cadre may read the counts of the puskesmas serving the area, not enter them
    kader = _client(personas["kader_sungai_duri"])
    page = kader.get("/remaja/konseling/").content.decode()
    assert 'data-testid="counselling-form"' not in page and "Puskesmas Sungai Duri" in page
    assert kader.post("/remaja/konseling/", good).status_code == 400


def test_screening_form(
    personas: dict[str, Any], girl: Any, smp_sungai_raya: Any, smp_samalantan: Any
) -> None:
    pkm = _client(personas["pkm_sungai_duri"])
    url = f"/remaja/anemia/anak/{girl.pk}/"
    good = {"tanggal": "2024-12-02", "sekolah": str(smp_sungai_raya.pk), "hb": "10,9"}
    for change in (
        {"hb": ""},
        {"hb": "99"},
        {"sekolah": str(smp_samalantan.pk)},
        {"sekolah": "x"},
        {"tanggal": "2025-02-01"},
    ):
        response = pkm.post(url, good | change)
        assert response.status_code == 400, change
        assert 'role="alert"' in response.content.decode()
    assert not AnaemiaScreening.objects.exists()
    assert pkm.post(url, good).status_code == 302
    s = AnaemiaScreening.objects.get()
    assert s.anaemic and s.severity == "moderate"
    assert "Jadwal skrining ulang" in pkm.get(url).content.decode()
    assert girl.name in pkm.get("/remaja/anemia/tindak-lanjut/").content.decode()


def test_screening_page_of_a_child_who_is_not_an_adolescent_girl(
    personas: dict[str, Any], sungai_duri_desa: Any
) -> None:
    from satuanak.persons.tests.factories import ChildFactory

    boy = ChildFactory.create(desa=sungai_duri_desa, sex="L", birth_date=date(2011, 1, 1))
    pkm = _client(personas["pkm_sungai_duri"])
    page = pkm.get(f"/remaja/anemia/anak/{boy.pk}/")
    assert page.status_code == 200 and 'data-testid="not-eligible"' in page.content.decode()
    assert (
        pkm.post(
            f"/remaja/anemia/anak/{boy.pk}/", {"tanggal": "2024-12-02", "sekolah": "1", "hb": "10"}
        ).status_code
        == 400
    )
    assert not AnaemiaScreening.objects.exists()


def test_ttd_form(personas: dict[str, Any], smp_sungai_raya: Any) -> None:
    pkm = _client(personas["pkm_sungai_duri"])
    good = {
        "sekolah": str(smp_sungai_raya.pk),
        "kelas": "VII-A",
        "minggu": "2024-12-04",
        "terdaftar": "20",
        "dibagikan": "18",
        "minum": "15",
    }
    for change in ({"dibagikan": "21"}, {"minum": "19"}, {"terdaftar": "0"}, {"kelas": ""}, {"minggu": "x"}):
        assert pkm.post("/remaja/ttd/", good | change).status_code == 400, change
    assert not TtdWeek.objects.exists()
    assert pkm.post("/remaja/ttd/", good).status_code == 302
    page = pkm.get("/remaja/ttd/").content.decode()
    assert f'data-testid="coverage-{smp_sungai_raya.pk}">90%' in page
    assert f'data-testid="adherence-{smp_sungai_raya.pk}">75%' in page
    assert pkm.get("/remaja/ttd/?periode=bukan").status_code == 200  # a bad period falls back to today's
