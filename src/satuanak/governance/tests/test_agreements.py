"""Agreements are the source of access and purposes are chosen per session (issue 18, parts 1-2).

An agreement that lapses or is ended removes access on the next request; a PKS that covers fewer
sources narrows what a role sees; the steward is warned before one lapses. Personal data is
read only with a purpose, chosen once per session from those the agreements allow, and written
into the audit log, whose per-agency report says what was read under which purpose.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from satuanak.access.agreements import forget_coverage, policy_of, purposes_for
from satuanak.access.decorators import access_rule_of
from satuanak.access.policy import policy_for
from satuanak.accounts.models import Agency
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.core.sources import Source
from satuanak.governance.models import DataSharingAgreement
from satuanak.governance.selectors import agreements_lapsing, purpose_report_rows
from satuanak.interop.tokens import token_create
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory, ChildRecordFactory

TODAY = date(2025, 3, 31)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _umbrella() -> DataSharingAgreement:
    return DataSharingAgreement.objects.get(covers_all_agencies=True)


@pytest.fixture
def child(db: None) -> Child:
    c = ChildFactory.create(name="ANAK PERJANJIAN")
    ChildRecordFactory.create(child=c, source="siak", summary={"AKTA": "PENANDA-SIAK"})
    ChildRecordFactory.create(child=c, source="eppgbm", summary={"POSYANDU": "PENANDA-GIZI"})
    return c


@pytest.mark.django_db
def test_an_ended_agreement_removes_access_on_the_next_request(
    personas: dict[str, Any], child: Child, settings: Any
) -> None:
    settings.SATUANAK_TODAY = TODAY
    dinkes, dukcapil = personas["dinkes"], personas["dukcapil"]
    page = _client(dinkes)
    first = page.get(f"/anak/{child.pk}/")
    assert first.status_code == 200 and "PENANDA-GIZI" in first.content.decode()
    _, secret = token_create(user=dinkes, name="uji perjanjian", purpose="layanan")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get(f"/api/v1/anak/{child.pk}/").status_code == 200

    # The example Perbup lapsed yesterday: the same session, the same token, the next request.
    umbrella = _umbrella()
    umbrella.valid_until = date(2025, 3, 30)
    umbrella.save()
    refused = page.get(f"/anak/{child.pk}/")
    assert refused.status_code == 403
    assert "perjanjian berbagi data" in refused.content.decode()
    assert AuditEvent.objects.filter(
        actor=dinkes, action=AuditAction.ACCESS_DENIED, detail__reason="no data-sharing agreement in force"
    ).exists()
    gone = api.get(f"/api/v1/anak/{child.pk}/")
    assert gone.status_code == 403 and gone.json()["error"]["code"] == "no_agreement"
    assert page.get("/anak/").status_code == 403

    # A PKS between Dinkes and Diskominfo for e-PPGBM alone, until 10 April: Dinkes reads the
    # child again, without the civil-registry record; Disdukcapil, not a party, still reads nothing.
    pks = DataSharingAgreement.objects.create(
        number="PKS/UJI/2025",
        title="PKS data gizi",
        kind="pks",
        legal_basis="UU 27/2022",
        sources=["eppgbm"],
        purposes=["layanan"],
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 4, 10),
    )
    pks.parties.set([dinkes.agency, Agency.objects.get(code="diskominfo")])
    again = page.get(f"/anak/{child.pk}/")
    body = again.content.decode()
    assert again.status_code == 200 and "PENANDA-GIZI" in body and "PENANDA-SIAK" not in body
    assert _client(dukcapil).get(f"/anak/{child.pk}/").status_code == 403
    forget_coverage(dinkes)  # this object answered before the PKS; a request loads a new one
    assert policy_of(dinkes).sources == {Source.EPPGBM}
    assert policy_of(dinkes).export_sources == {Source.EPPGBM}

    # Ten days before it lapses the steward is warned: on the page, on every page, in check-deploy.
    assert [r.agreement.number for r in agreements_lapsing(TODAY)] == ["PKS/UJI/2025"]
    steward_page = _client(personas["steward"]).get("/tata-kelola/perjanjian/").content.decode()
    assert 'data-testid="agreement-lapsing"' in steward_page and "10 hari" in steward_page
    assert 'data-testid="governance-warning"' in _client(personas["steward"]).get("/").content.decode()
    from satuanak.ops.management.commands.check_deploy import _agreement_checks

    lapsing = [c for c in _agreement_checks() if c.name == "agreement lapsing"]
    assert len(lapsing) == 1 and lapsing[0].warning and "PKS/UJI/2025" in lapsing[0].detail

    # The day after its last day, the access it gave is gone.
    settings.SATUANAK_TODAY = date(2025, 4, 11)
    assert page.get(f"/anak/{child.pk}/").status_code == 403


@pytest.mark.django_db
@pytest.mark.no_session_purpose
def test_a_read_without_an_allowed_purpose_is_refused(
    personas: dict[str, Any], child: Child, settings: Any
) -> None:
    settings.SATUANAK_TODAY = TODAY
    umbrella = _umbrella()
    umbrella.purposes = ["verifikasi", "perencanaan"]
    umbrella.save()
    dinkes = personas["dinkes"]
    page = _client(dinkes)

    # No purpose yet: a page goes to the purpose page and back; a form post is refused.
    asked = page.get("/anak/")
    assert asked.status_code == 302 and asked["Location"].startswith("/tujuan/?next=%2Fanak%2F")
    assert page.post(f"/anak/{child.pk}/nik/", {"tujuan": "cek"}).status_code == 403
    assert AuditEvent.objects.filter(
        actor=dinkes, action=AuditAction.ACCESS_DENIED, detail__reason="no purpose chosen for the session"
    ).exists()

    offered = page.get("/tujuan/?next=/anak/").content.decode()
    assert 'value="verifikasi"' in offered and 'value="layanan"' not in offered
    wrong = page.post("/tujuan/", {"tujuan": "layanan", "next": "/anak/"})
    assert wrong.status_code == 400 and "tujuan yang diizinkan" in wrong.content.decode()
    chosen = page.post("/tujuan/", {"tujuan": "verifikasi", "next": "/anak/"})
    assert chosen.status_code == 302 and chosen["Location"] == "/anak/"
    assert AuditEvent.objects.filter(actor=dinkes, action=AuditAction.PURPOSE_CHOSEN).exists()

    listed = page.get("/anak/")
    assert listed.status_code == 200 and 'data-testid="purpose-now"' in listed.content.decode()
    look = AuditEvent.objects.filter(actor=dinkes, action=AuditAction.CHILD_LIST_VIEWED).latest("id")
    assert look.detail["purpose"] == "verifikasi"
    export = page.get("/anak/ekspor.csv", {"tujuan": "daftar verifikasi posyandu"})
    assert export.status_code == 200
    exported = AuditEvent.objects.filter(actor=dinkes, action=AuditAction.EXPORTED).latest("id")
    assert exported.detail["purpose"] == "verifikasi" and exported.purpose == "daftar verifikasi posyandu"

    # The agreement stops allowing that purpose: the next page asks again.
    umbrella.purposes = ["perencanaan"]
    umbrella.save()
    assert page.get("/anak/").status_code == 302
    forget_coverage(dinkes)
    assert purposes_for(dinkes) == ("perencanaan",)


def _routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append((prefix + str(p.pattern), p.callback))
    return out


@pytest.mark.django_db
@pytest.mark.no_session_purpose
def test_every_page_of_personal_data_asks_for_the_purpose_first(personas: dict[str, Any]) -> None:
    """Every route whose rule needs a purpose, as a role that holds its capability, with no purpose
    in the session: sent to the purpose page (the view never runs, so any id will do)."""
    gated = 0
    for role_user in ("steward", "dinkes", "ppa"):
        user = personas[role_user]
        client = _client(user)
        caps = policy_for(user.role).capabilities
        for route, view in _routes(get_resolver().url_patterns):
            rule = access_rule_of(view)
            if rule is None or not rule.needs_purpose or rule.capability not in caps:
                continue
            url = "/" + route
            for param in ("<int:", "<str:", "<uuid:", "<slug:"):
                while param in url:
                    start = url.index(param)
                    url = url[:start] + "1" + url[url.index(">", start) + 1 :]
            response = client.get(url)
            assert response.status_code == 302, (role_user, route, response.status_code)
            assert response["Location"].startswith("/tujuan/"), (role_user, route)
            gated += 1
    assert gated > 40  # the walk reached the personal-data pages, not an empty list


@pytest.mark.django_db
def test_the_steward_records_and_ends_agreements(
    personas: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SATUANAK_TODAY = TODAY
    steward = _client(personas["steward"])
    url = "/tata-kelola/perjanjian/"
    assert steward.get(url).status_code == 200
    assert _client(personas["dinkes"]).get(url).status_code == 403
    form = {
        "aksi": "catat",
        "nomor": "PKS/DUKCAPIL-DINKES/2025",
        "judul": "PKS pemanfaatan data kependudukan untuk gizi",
        "jenis": "pks",
        "dasar": "UU 27/2022; Permendagri 17/2023 (UNVERIFIED)",
        "sumber": ["siak"],
        "tujuan": ["layanan", "verifikasi"],
        "mulai": "2025-04-01",
        "sampai": "2026-03-31",
    }
    # No parties and not every agency: refused with a message, nothing written.
    refused = steward.post(url, form)
    assert refused.status_code == 400 and "para pihak" in refused.content.decode()
    # A "PDF" that is not one: refused by its bytes.
    fake = steward.post(
        url,
        form
        | {"pihak": [str(personas["dinkes"].agency_id)], "dokumen": SimpleUploadedFile("pks.pdf", b"MZ\x90")},
    )
    assert fake.status_code == 400
    assert not DataSharingAgreement.objects.filter(number=form["nomor"]).exists()

    ok = steward.post(
        url,
        form
        | {
            "pihak": [str(personas["dinkes"].agency_id), str(personas["dukcapil"].agency_id)],
            "dokumen": SimpleUploadedFile("pks.pdf", PDF),
        },
    )
    assert ok.status_code == 302
    pks = DataSharingAgreement.objects.get(number=form["nomor"])
    assert pks.sources == ["siak"] and pks.purposes == ["layanan", "verifikasi"]
    assert set(pks.parties.values_list("code", flat=True)) == {"dinkes", "disdukcapil"}
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_CHANGED, subject_id=str(pks.pk)).exists()
    document = steward.get(f"/tata-kelola/perjanjian/{pks.pk}/dokumen/")
    assert document.status_code == 200 and b"".join(document.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]

    # Ending it: not before it starts, not in the past; then it shows as ended from that day.
    early = steward.post(url, {"aksi": "akhiri", "perjanjian": str(pks.pk), "tanggal": "2025-03-01"})
    assert early.status_code == 400
    ended = steward.post(url, {"aksi": "akhiri", "perjanjian": str(pks.pk), "tanggal": "2025-06-30"})
    assert ended.status_code == 302
    pks.refresh_from_db()
    assert pks.last_day() == date(2025, 6, 30)
    assert pks.in_force_on(date(2025, 6, 30)) and not pks.in_force_on(date(2025, 7, 1))


@pytest.mark.django_db
def test_the_report_says_what_each_agency_read_under_which_purpose(
    personas: dict[str, Any], child: Child, settings: Any
) -> None:
    settings.SATUANAK_TODAY = TODAY
    dinkes, dukcapil = _client(personas["dinkes"]), _client(personas["dukcapil"])
    session = dukcapil.session
    session["satuanak_purpose"] = "verifikasi"
    session.save()
    for _ in range(3):
        assert dinkes.get(f"/anak/{child.pk}/").status_code == 200  # under "layanan" (the test login)
    assert dukcapil.get(f"/anak/{child.pk}/").status_code == 200
    assert dukcapil.get("/anak/").status_code == 200

    today = timezone.localdate()  # the audit entries were written now, whatever the fixed demo date
    rows = {(r.agency, r.purpose_code, r.action): r for r in purpose_report_rows(start=today, end=today)}
    health = rows[(personas["dinkes"].agency.name, "layanan", "child_viewed")]
    assert health.n == 3 and health.subjects == 1 and health.users == 1
    assert rows[(personas["dukcapil"].agency.name, "verifikasi", "child_viewed")].n == 1
    assert rows[(personas["dukcapil"].agency.name, "verifikasi", "child_list_viewed")].n == 1

    steward = _client(personas["steward"])
    page = steward.get("/tata-kelola/akses-per-tujuan/", {"dari": str(today), "sampai": str(today)})
    assert page.status_code == 200 and "Dinas Kesehatan" in page.content.decode()
    download = steward.get(
        "/tata-kelola/akses-per-tujuan/", {"dari": str(today), "sampai": str(today), "format": "csv"}
    )
    table = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert {
        "INSTANSI": personas["dinkes"].agency.name,
        "TUJUAN": "layanan",
        "TINDAKAN": "child_viewed",
    }.items() <= (
        next(r for r in table if r["TUJUAN"] == "layanan" and r["TINDAKAN"] == "child_viewed").items()
    )
    bad = steward.get("/tata-kelola/akses-per-tujuan/", {"dari": "kemarin"})
    assert bad.status_code == 400 and "Tanggal tidak sah" in bad.content.decode()


@pytest.mark.django_db
def test_an_api_token_reads_personal_data_only_under_its_purpose(
    personas: dict[str, Any], child: Child, settings: Any
) -> None:
    """A token is made for a purpose the agreements allow; one without reads aggregates only; one
    whose purpose the agreements stop allowing is refused on its next call."""
    from satuanak.interop.tokens import TokenError

    settings.SATUANAK_TODAY = TODAY
    dinkes = personas["dinkes"]
    _, plain = token_create(user=dinkes, name="tanpa tujuan")
    _, purposed = token_create(user=dinkes, name="dengan tujuan", purpose="verifikasi")
    without = Client(headers={"Authorization": f"Bearer {plain}"})
    refused = without.get(f"/api/v1/anak/{child.pk}/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "purpose_required"
    assert without.get("/api/v1/agregat/?penanda=stunting").status_code in (200, 404)  # aggregates: no 403

    api = Client(headers={"Authorization": f"Bearer {purposed}"})
    assert api.get(f"/api/v1/anak/{child.pk}/").status_code == 200
    look = AuditEvent.objects.filter(actor=dinkes, action=AuditAction.CHILD_VIEWED).latest("id")
    assert look.detail["purpose"] == "verifikasi" and "api_token" in look.detail

    umbrella = _umbrella()
    umbrella.purposes = ["layanan"]
    umbrella.save()
    assert api.get(f"/api/v1/anak/{child.pk}/").json()["error"]["code"] == "purpose_required"
    forget_coverage(dinkes)  # the user object kept the morning's answer (one object, one request)
    with pytest.raises(TokenError):
        token_create(user=dinkes, name="tujuan lain", purpose="verifikasi")
