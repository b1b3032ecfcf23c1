"""Children's pages: masking, the logged reveal, exports with only the role's columns."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa


@pytest.fixture
def child(db: None) -> Child:
    return ChildFactory.create(desa=Desa.objects.get(code="61.07.01.2001"), name="BUNGA UJI")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_nik_is_masked_on_list_and_page(personas: dict[str, Any], child: Child) -> None:
    c = _client(personas["pkm_sungai_duri"])
    for url in ("/anak/", f"/anak/{child.pk}/"):
        body = c.get(url).content.decode()
        assert child.nik not in body
        assert child.nik[:4] + "********" + child.nik[-4:] in body


@pytest.mark.django_db
def test_reveal_needs_a_purpose_and_is_logged(personas: dict[str, Any], child: Child) -> None:
    user = personas["pkm_sungai_duri"]
    c = _client(user)
    refused = c.post(f"/anak/{child.pk}/nik/", {"tujuan": "  "})
    assert refused.status_code == 400
    assert child.nik not in refused.content.decode()
    assert "Tuliskan tujuan" in refused.content.decode()
    shown = c.post(f"/anak/{child.pk}/nik/", {"tujuan": "pengurusan akta"})
    assert shown.status_code == 200
    assert child.nik in shown.content.decode()
    event = AuditEvent.objects.get(actor=user, action=AuditAction.NIK_REVEALED)
    # Two POSTs opened the page twice: exactly two views logged, not one per helper call.
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.CHILD_VIEWED).count() == 2
    assert event.subject_id == str(child.pk) and event.purpose == "pengurusan akta"
    assert event.desa_code == "61.07.01.2001" and event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_cadre_cannot_reveal(personas: dict[str, Any], child: Child) -> None:
    response = _client(personas["kader_sungai_duri"]).post(f"/anak/{child.pk}/nik/", {"tujuan": "x"})
    assert response.status_code == 403
    assert child.nik not in response.content.decode()


@pytest.mark.django_db
def test_export_has_only_the_roles_columns_and_is_logged(personas: dict[str, Any], child: Child) -> None:
    health = _client(personas["dinkes"]).get("/anak/ekspor.csv", {"tujuan": "rekap posyandu"})
    assert health.status_code == 200
    rows = list(csv.reader(io.StringIO(health.content.decode())))
    assert "NIK" in rows[0]
    assert child.nik not in health.content.decode()  # masked even in exports
    assert "REKAMAN_EPPGBM" in rows[0]
    assert "REKAMAN_DAPODIK" not in rows[0] and "REKAMAN_SIMFONI" not in rows[0]
    education = _client(personas["disdikbud"]).get("/anak/ekspor.csv", {"tujuan": "rekap ATS"})
    header = next(csv.reader(io.StringIO(education.content.decode())))
    assert "REKAMAN_DAPODIK" in header
    assert "REKAMAN_EPPGBM" not in header and "REKAMAN_SIMFONI" not in header
    ppa = _client(personas["ppa"]).get("/anak/ekspor.csv", {"tujuan": "rekap kasus"})
    assert "REKAMAN_SIMFONI" in next(csv.reader(io.StringIO(ppa.content.decode())))
    event = AuditEvent.objects.get(actor=personas["dinkes"], action=AuditAction.EXPORTED)
    assert event.purpose == "rekap posyandu" and event.detail["rows"] == len(rows) - 1


@pytest.mark.django_db
def test_export_without_purpose_is_a_400(personas: dict[str, Any], child: Child) -> None:
    response = _client(personas["dinkes"]).get("/anak/ekspor.csv")
    assert response.status_code == 400
    assert "tujuan" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@pytest.mark.django_db
def test_guessed_ids_outside_the_area_are_404_and_audited(personas: dict[str, Any], child: Child) -> None:
    user = personas["pkm_samalantan"]
    c = _client(user)
    for child_id in (child.pk, child.pk + 1000):  # in another area, and not existing: same answer
        response = c.get(f"/anak/{child_id}/")
        assert response.status_code == 404
        assert child.name not in response.content.decode()
        assert AuditEvent.objects.filter(
            actor=user, action=AuditAction.ACCESS_DENIED, subject_id=str(child_id)
        ).exists()


@pytest.mark.django_db
def test_audit_log_page_for_steward_only_and_searchable(personas: dict[str, Any], child: Child) -> None:
    _client(personas["pkm_sungai_duri"]).get(f"/anak/{child.pk}/")
    steward = _client(personas["steward"])
    page = steward.get("/audit/", {"pengguna": "pkm_sungai_duri", "tindakan": "child_viewed"})
    assert page.status_code == 200
    assert f"child:{child.pk}" in page.content.decode()
    export = steward.get("/audit/ekspor.csv", {"pengguna": "pkm_sungai_duri"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "waktu" and any(r[3] == "child_viewed" for r in rows[1:])
    assert steward.get("/audit/", {"dari": "bukan-tanggal"}).status_code == 400
    assert _client(personas["dinkes"]).get("/audit/").status_code == 403


@pytest.mark.django_db
def test_field_sources_name_only_sources_the_role_reads(personas: dict[str, Any], child: Child) -> None:
    # a field from SIMFONI would tell a role without it that a violence case exists
    child.field_sources = {"name": "simfoni", "birth_date": "siak"}
    child.save()
    page = _client(personas["dinkes"]).get(f"/anak/{child.pk}/").content.decode()
    assert "birth_date ← siak" in page and "name ← sumber lain / another source" in page
    assert "simfoni" not in page.lower().split('data-testid="field-sources"')[1].split("</p>")[0]
    protection = _client(personas["ppa"]).get(f"/anak/{child.pk}/").content.decode()
    assert "name ← simfoni" in protection
