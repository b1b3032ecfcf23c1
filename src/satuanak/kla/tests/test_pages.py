"""The pages by role, the editor and the value form, refusals with a 400 that save nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.flags.models import FlagAggregate
from satuanak.kla.models import EnteredValue, IndicatorSet, ValueEvidence
from satuanak.kla.scoring import what_if
from satuanak.kla.selectors import kla_scorecard
from satuanak.kla.tests.conftest import EXE, PDF

pytestmark = pytest.mark.django_db
P = "2024Q4"


def _shown(page: str, testid: str) -> float:
    """A number the page shows (Indonesian format: decimal comma)."""
    found = re.search(rf'data-testid="{testid}">(?:<strong[^>]*>)?([\d.,]+)<', page)
    assert found is not None, testid
    return float(found.group(1).replace(".", "").replace(",", "."))


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("url", "allowed", "denied"),
    [
        ("/kla/", ["publik", "bappeda", "dinkes", "steward", "bidan_rsud"], ["kader_sungai_duri"]),
        ("/kla/what-if/", ["publik", "bappeda"], ["kader_sungai_duri"]),
        ("/kla/peta-jalan/", ["publik", "dukcapil"], ["kader_sungai_duri"]),
        ("/kla/indikator/", ["bappeda", "steward"], ["dinkes", "publik", "ppa"]),
        (
            "/kla/nilai/",
            ["dinkes", "dukcapil", "disdikbud", "ppa", "bappeda", "steward"],
            ["publik", "kader_sungai_duri"],
        ),
    ],
)
def test_pages_by_role(url: str, allowed: list[str], denied: list[str], kla_set: IndicatorSet,
                       personas: dict[str, Any]) -> None:  # fmt: skip
    assert Client().get(url).status_code == 302  # sign in first
    for name in allowed:
        resp = _client(personas[name]).get(url)
        assert resp.status_code == 200, name
        assert "bukan skor resmi" in resp.content.decode()
    for name in denied:
        assert _client(personas[name]).get(url).status_code == 403, name


def test_scorecard_shows_total_category_gap_and_audits(
    kla_set: IndicatorSet, personas: dict[str, Any]
) -> None:
    FlagAggregate.objects.create(code="no_akta", period=P, level="district", area_code="61.07", numerator=9,
                                 denominator=12, rate=0.75)  # fmt: skip
    before = AuditEvent.objects.filter(subject_type="kla_scorecard").count()
    page = _client(personas["bappeda"]).get(f"/kla/?periode={P}").content.decode()
    card = kla_scorecard(period=P)
    assert _shown(page, "kla-total") == pytest.approx(card.total, abs=0.005)
    assert "Belum KLA" in page and _shown(page, "kla-gap") == pytest.approx(card.gap_to_utama, abs=0.005)
    assert f'href="/kla/laporan/{P}.pdf"' in page  # the quarter's report, one click away
    assert (
        AuditEvent.objects.filter(subject_type="kla_scorecard", action=AuditAction.CHILD_LIST_VIEWED).count()
        == before + 1
    )
    public = _client(personas["publik"]).get(f"/kla/?periode={P}").content.decode()
    row = re.search(r'<tr data-code="I-04">.*?</tr>', public, re.S)
    assert row is not None and "&lt;5" in row.group(0) and ">3<" not in row.group(0)  # 3 with akta of 12
    staff = re.search(r'<tr data-code="I-04">.*?</tr>', page, re.S)
    assert staff is not None and ">3<" in staff.group(0)
    assert _client(personas["bappeda"]).get("/kla/?periode=2024Q9").status_code == 400


def test_what_if_page_matches_recomputation(kla_set: IndicatorSet, personas: dict[str, Any]) -> None:
    c = _client(personas["bappeda"])
    resp = c.get(f"/kla/what-if/?periode={P}&u-K-01=50&u-III-11=10")
    assert resp.status_code == 200
    expected = what_if(kla_scorecard(period=P), {"K-01": 50, "III-11": 10})
    page = resp.content.decode()
    assert _shown(page, "kla-what-if-total") == pytest.approx(expected.total, abs=0.005)
    assert expected.total == pytest.approx(15 + 60 * 10 / 26, abs=0.01)
    for bad in ("u-K-01=abc", "u-ZZ=1", "u-K-01=1e9", "periode=x"):
        r = c.get(f"/kla/what-if/?{bad}")
        assert r.status_code == 400 and 'role="alert"' in r.content.decode(), bad


def test_enter_value_with_evidence_and_download(
    kla_set: IndicatorSet, personas: dict[str, Any], media: Any
) -> None:
    c = _client(personas["dinkes"])
    resp = c.post("/kla/nilai/", {"kode": "III-12", "periode": P, "nilai": "38,5", "pembilang": "77",
                                  "penyebut": "200", "tanggal": "2024-12-31", "catatan": "laporan gizi",
                                  "bukti": SimpleUploadedFile("asi.pdf", PDF)})  # fmt: skip
    assert resp.status_code == 302
    e = EnteredValue.objects.get(code="III-12", period=P)
    assert e.value == 38.5 and (e.numerator, e.denominator) == (77, 200)
    ev = ValueEvidence.objects.get(entered_value=e)
    assert kla_scorecard(period=P).by_code("III-12").value == 38.5  # type: ignore[union-attr]
    dl = c.get(f"/kla/nilai/bukti/{ev.pk}/")
    assert dl.status_code == 200 and b"".join(dl.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action=AuditAction.FILE_DOWNLOADED, subject_type="kla_evidence").exists()
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_CHANGED, subject_type="kla_value").exists()
    assert _client(personas["publik"]).get(f"/kla/nilai/bukti/{ev.pk}/").status_code == 403
    assert c.get("/kla/nilai/bukti/99999/").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"kode": "III-12", "periode": P, "nilai": "120", "catatan": "x"},  # over 100 %
        {"kode": "III-12", "periode": P, "nilai": "abc", "catatan": "x"},
        {"kode": "III-12", "periode": "2024Q7", "nilai": "5", "catatan": "x"},
        {"kode": "ZZ-99", "periode": P, "nilai": "5", "catatan": "x"},
        {"kode": "III-12", "periode": P, "nilai": "5", "pembilang": "9", "penyebut": "3", "catatan": "x"},
        {"kode": "III-12", "periode": P, "nilai": "5", "pembilang": "9", "catatan": "x"},
        {"kode": "III-12", "periode": P, "nilai": "5"},  # neither note nor evidence
        {"kode": "III-12", "periode": P, "nilai": "5", "tanggal": "31-12-2024", "catatan": "x"},
        {"kode": "III-12", "periode": P, "nilai": "5", "catatan": "x", "bukti": "exe"},
    ],
)
def test_bad_value_is_400_and_saves_nothing(
    data: dict[str, Any], kla_set: IndicatorSet, personas: dict[str, Any], media: Any
) -> None:
    if data.get("bukti") == "exe":
        data = {**data, "bukti": SimpleUploadedFile("foto.pdf", EXE)}
    resp = _client(personas["ppa"]).post("/kla/nilai/", data)
    assert resp.status_code == 400
    assert '<p class="error" role="alert">' in resp.content.decode()
    assert EnteredValue.objects.count() == 0 and ValueEvidence.objects.count() == 0


def test_editor_draft_edit_publish(kla_set: IndicatorSet, personas: dict[str, Any]) -> None:
    c = _client(personas["bappeda"])
    assert c.post("/kla/indikator/", {"aksi": "draf"}).status_code == 302
    draft = IndicatorSet.objects.get(published=False)
    assert draft.version == 2 and draft.indicators.count() == 24
    # moving 10 points from K-01 to I-04 and marking II-07 verified
    page = c.get("/kla/indikator/").content.decode()
    assert 'name="bobot-K-01"' in page
    fields = {f"verif-{i.code}": "1" for i in draft.indicators.filter(verified=True)}
    resp = c.post("/kla/indikator/", {"aksi": "simpan", "bobot-K-01": "20", "bobot-I-04": "80",
                                      "verif-II-07": "1", **fields})  # fmt: skip
    assert resp.status_code == 302
    assert draft.indicators.get(code="I-04").weight == 80 and draft.indicators.get(code="II-07").verified
    # a bad target (stunting target above its zero point) is refused, nothing changed
    resp = c.post("/kla/indikator/", {"aksi": "simpan", "target-III-11": "50", "bobot-K-01": "5", **fields})
    assert resp.status_code == 400 and draft.indicators.get(code="K-01").weight == 20
    # weights not adding up to 1000 cannot be published
    c.post("/kla/indikator/", {"aksi": "simpan", "bobot-K-01": "25", **fields, "verif-II-07": "1"})
    resp = c.post("/kla/indikator/", {"aksi": "terbitkan", "berlaku": "2025-01-01"})
    assert resp.status_code == 400 and "1000" in resp.content.decode()
    c.post("/kla/indikator/", {"aksi": "simpan", "bobot-K-01": "20", **fields, "verif-II-07": "1"})
    assert c.post("/kla/indikator/", {"aksi": "terbitkan", "berlaku": "2025-01-01"}).status_code == 302
    card = kla_scorecard(period=P)
    assert card.version == 2 and card.by_code("I-04").weight == 80  # type: ignore[union-attr]
    assert kla_scorecard(period=P, version=1).by_code("I-04").weight == 70  # type: ignore[union-attr]
    assert IndicatorSet.objects.get(version=1).indicators.get(code="K-01").weight == 30  # never changed
    assert c.post("/kla/indikator/", {"aksi": "entah"}).status_code == 400
    assert _client(personas["dinkes"]).post("/kla/indikator/", {"aksi": "draf"}).status_code == 403


def test_pages_without_a_set_say_so_not_an_error(personas: dict[str, Any]) -> None:
    c = _client(personas["bappeda"])
    for url in ("/kla/", "/kla/what-if/", "/kla/peta-jalan/", "/kla/indikator/", "/kla/nilai/"):
        resp = c.get(url)
        assert resp.status_code == 200, url
    assert "load-indicators" in c.get("/kla/").content.decode()
