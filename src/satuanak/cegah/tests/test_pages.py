"""CEGAH DINI pages: the roles holding RECORD_PREVENTION_SESSIONS get 200 and an audit entry on
every look, other roles 403, anonymous visitors the login page; bad input is a 400 with a
bilingual message and saves nothing; an unknown session is a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.cegah.models import Kua, Session
from satuanak.cegah.tests.conftest import TODAY, Record
from satuanak.facilities.models import School
from satuanak.flags.models import FlagAggregate

pytestmark = pytest.mark.django_db
ALLOWED = ["dinkes", "disdikbud", "bappeda", "steward"]
REFUSED = ["kader_sungai_duri", "publik", "pkm_sungai_duri", "dukcapil", "ppa"]


@pytest.fixture(autouse=True)
def _today(settings: Any) -> None:
    settings.SATUANAK_TODAY = TODAY


@pytest.fixture
def one_session(record: Record, smp: list[School], kua: list[Kua]) -> Session:
    record(kua[0], date(2024, 8, 5))
    FlagAggregate.objects.create(
        code="child_marriage",
        period="2024Q2",
        level="desa",
        area_code="61.07.01.2001",
        numerator=3,
        denominator=150,
        rate=0.02,
    )
    return record(smp[0], date(2024, 7, 15))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(session: Session) -> list[str]:
    return [
        "/cegah/",
        "/cegah/?tahun=2024/2025&triwulan=2024Q3",
        "/cegah/sesi/",
        f"/cegah/sesi/{session.pk}/",
    ]


@pytest.mark.parametrize("persona", ALLOWED)
def test_allowed_roles_see_the_pages_and_each_look_is_audited(
    persona: str, personas: dict[str, Any], one_session: Session
) -> None:
    user = personas[persona]
    client = _client(user)
    for url in _pages(one_session):
        before = AuditEvent.objects.filter(actor=user, action=AuditAction.PREVENTION_VIEWED).count()
        response = client.get(url)
        assert response.status_code == 200, (persona, url)
        after = AuditEvent.objects.filter(actor=user, action=AuditAction.PREVENTION_VIEWED).count()
        assert after == before + 1, (persona, url)


@pytest.mark.parametrize("persona", REFUSED)
def test_other_roles_are_refused(persona: str, personas: dict[str, Any], one_session: Session) -> None:
    client = _client(personas[persona])
    for url in _pages(one_session):
        assert client.get(url).status_code == 403, (persona, url)
    response = client.post("/cegah/sesi/", {"jenis": "bimwin"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(
        actor=personas[persona], action=AuditAction.PREVENTION_VIEWED
    ).exists()
    assert Session.objects.count() == 2


def test_anonymous_goes_to_login(one_session: Session) -> None:
    for url in _pages(one_session):
        response = Client().get(url)
        assert response.status_code == 302 and "/masuk/" in response["Location"], url


def test_overview_shows_coverage_uncovered_and_before_after(
    personas: dict[str, Any], one_session: Session, smp: list[School]
) -> None:
    response = _client(personas["bappeda"]).get("/cegah/", {"tahun": "2024/2025", "triwulan": "2024Q3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"1 dari {len(smp)} SMP/MTs" in page  # MPLS
    assert "1 dari 17 KUA" in page  # Bimwin in 2024Q3
    assert f'data-school="{smp[1].pk}"' in page and f'data-school="{smp[0].pk}"' not in page
    assert 'data-desa="61.07.01.2001"' in page and "2024Q2: 3/150 (2,0%)" in page  # Indonesian decimal comma
    assert "not proof of effect" in page


def test_record_a_session_through_the_form(personas: dict[str, Any], kua: list[Kua]) -> None:
    client = _client(personas["disdikbud"])
    response = client.post(
        "/cegah/sesi/",
        {
            "jenis": "bimwin",
            "tanggal": "2025-02-03",
            "tempat": f"kua:{kua[3].pk}",
            "modul": "1",
            "perempuan": "14",
            "laki": "14",
            "narasumber": "Bidan - Puskesmas Ledo\nPenyuluh Agama - KUA Ledo",
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cegah/sesi/{session.pk}/"
    assert session.health_module and session.school_year == "2024/2025" and session.kua == kua[3]
    page = client.get(response["Location"]).content.decode()
    assert "Penyuluh Agama - KUA Ledo" in page and kua[3].name in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"jenis": "bimwin", "tanggal": "2025-13-01", "tempat": "kua:{kua}"}, "Invalid date"),
        ({"jenis": "bimwin", "tanggal": "2030-01-01", "tempat": "kua:{kua}"}, "between"),
        ({"jenis": "mpls", "tanggal": "2024-07-15", "tempat": "kua:{kua}"}, "does not match"),
        ({"jenis": "bimwin", "tanggal": "2024-07-15", "tempat": ""}, "Choose the session"),
        ({"jenis": "bimwin", "tanggal": "2024-07-15", "tempat": "kua:{kua}", "perempuan": "-3"}, "negative"),
        ({"jenis": "bimwin", "tanggal": "2024-07-15", "tempat": "kua:{kua}", "laki": "9000"}, "below 5000"),
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(
    personas: dict[str, Any], kua: list[Kua], data: dict[str, str], message: str
) -> None:
    form = {"perempuan": "5", "laki": "5", **{k: v.replace("{kua}", str(kua[0].pk)) for k, v in data.items()}}
    response = _client(personas["dinkes"]).post("/cegah/sesi/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and " / " in page
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "url", ["/cegah/?tahun=2024", "/cegah/?tahun=2024/2025&triwulan=2024Q9", "/cegah/sesi/?tahun=x&jenis=y"]
)
def test_bad_filters_are_a_400_still_audited(url: str, personas: dict[str, Any], kua: list[Kua]) -> None:
    user = personas["steward"]
    response = _client(user).get(url)
    assert response.status_code == 400
    assert " / " in response.content.decode()
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.PREVENTION_VIEWED).count() == 1


def test_unknown_session_is_a_404(personas: dict[str, Any], kua: list[Kua]) -> None:
    assert _client(personas["dinkes"]).get("/cegah/sesi/999999/").status_code == 404
