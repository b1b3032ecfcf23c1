"""Walk every URL the project serves as every role and check the gate (no route forgotten).

Each route's view declares its rule (access/decorators.py). This test derives what each
persona should get from the role table (access/policy.py) and the persona's area — computed
here independently of the selectors — and checks the answer: pages of personal data give
200 only in scope, 404 for a child outside the user's area (guessed ids reveal nothing),
403 for roles without the capability, a redirect to login for anonymous visitors; every
denial and every look is in the audit log. A new route without a rule fails this test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from satuanak.access.decorators import access_rule_of
from satuanak.access.policy import AreaScope, Capability, policy_for
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.governance.models import DataSharingAgreement
from satuanak.imports.models import ImportBatch, RejectedRow
from satuanak.linkage.models import LinkedRecord, ReviewPair
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory, ChildRecordFactory
from satuanak.regions.models import Desa

ANONYMOUS = "(anonim)"


def _routes(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}:{p.name}" if namespace else str(p.name), p.callback


def _project_routes() -> list[tuple[str, str, Any]]:
    # The admin guards itself (is_staff + the steward check in accounts/admin.py) and is
    # covered by the accounts tests; everything else is ours and must carry a rule.
    return [r for r in _routes(get_resolver().url_patterns) if not r[0].startswith("admin/")]


def test_every_route_declares_its_access_rule() -> None:
    missing = [(route, name) for route, name, view in _project_routes() if access_rule_of(view) is None]
    assert missing == [], f"routes without an access rule: {missing}"


def _in_area(user: Any, child: Child) -> bool:
    policy = policy_for(user.role)
    if policy.scope == AreaScope.NONE:
        return False
    if policy.scope == AreaScope.DISTRICT or user.area_level == "district":
        return True
    if child.desa is None:  # a child no source places in a desa: district-wide roles only
        return False
    if user.area_level == "kecamatan":
        return child.desa.kecamatan_id == user.area_kecamatan_id
    return user.area_desa.filter(pk=child.desa_id).exists()


def _url(route: str, child: Child, batch: ImportBatch, pair: ReviewPair, work: dict[str, Any]) -> str:
    url = (
        route.replace("<int:child_id>", str(child.pk))
        .replace("<int:batch_id>", str(batch.pk))
        .replace("<int:pair_id>", str(pair.pk))
    )
    if route.startswith("adminduk/"):  # a declaration's attachment, not a referral's
        url = url.replace("<int:attachment_id>", str(work["adminduk_attachment_id"]))
    for key, value in work.items():
        url = url.replace(f"<int:{key}>", str(value))
    url = url.replace("<str:quarter>", "2024Q4").replace("<str:fmt>", "pdf")
    url = url.replace("<str:point_code>", "disdukcapil")
    return "/" + url.replace("<str:kind>", "akta").replace("<str:tracking_code>", str(work["tracking_code"]))


# Objects of issue 8 whose visibility is their own (a referral is seen by the units it names,
# a violence-related one only by protection officers): checked for no leak and an audited look.
WORK_PARAMS = (
    "record_id",
    "company_id",
    "report_id",
    "proposal_id",
    "prevention_session_id",
    "posyandu_remaja_id",
    "conversation_id",
    "declaration_id",
    "request_id",
    "application_id",
    "school_file_id",
    "application_file_id",
    "referral_id",
    "attachment_id",
    "baas_id",
    "assignment_id",
    "posyandu_id",
    "facility_id",
    "evidence_id",
    "subject_request_id",
    "agreement_id",
)
VIOLENCE_AUTHOR = "pkm_sungai_duri"
BLANK_FORMS = ("adminduk-declaration-new",)
# POST-only routes that change something: a GET gets 405 (the first ones are posted to below).
API_PUBLIC = ("api-v1:openapi-json", "api-v1:openapi-view")
GET_405 = (
    "referral-status",
    "adminduk-declaration-resubmit",
    "adminduk-review-action",
    "kemitraan-ikm-baseline",
    "partisipasi-report-action",
    "partisipasi-report-link",
    "partisipasi-proposal-outcome",
    "lapangan-conflict-decide",
    "mutu-training-new",
    "mutu-survey-new",
    "child-left-district",
)
POST_ONLY = ("nik-reveal", "logout", "linkage-start", "token-revoke", "lapangan-device-revoke", *GET_405)


@pytest.fixture
def batches(db: None) -> list[ImportBatch]:
    """A finished batch of an ordinary source and one of violence cases."""
    made = []
    for source in ("siak", "simfoni"):
        batch = ImportBatch.objects.create(
            source=source,
            adapter=source,
            file_name=f"{source}.csv",
            sha256=source * 4,
            status="done",
            rows_in=1,
            rejected=1,
        )
        RejectedRow.objects.create(batch=batch, row_number=2, data={"NAMA": f"RAHASIA-BATCH-{source}"})
        made.append(batch)
    return made


@pytest.fixture
def review_pair(db: None) -> ReviewPair:
    """An open linkage review pair of two SIAK/e-PPGBM records."""
    for rid, name in (
        ("siak:6107015203210001", "RAHASIA-TAUTAN-A"),
        ("eppgbm:n:rahasia", "RAHASIA-TAUTAN-B"),
    ):
        LinkedRecord.objects.create(
            record_id=rid, source=rid.split(":")[0], features="x", identity={"name": name}
        )
    return ReviewPair.objects.create(
        record_l="eppgbm:n:rahasia", record_r="siak:6107015203210001", probability=0.9, reason="uji / test"
    )


@pytest.fixture
def work(
    children: dict[str, Child], personas: dict[str, Any], settings: Any, tmp_path: Any
) -> list[dict[str, Any]]:
    """A BAAS with child A assigned, a posyandu of its desa, an ordinary referral of child A with
    an attachment and a violence-related one (two sets of ids: every object route is walked
    with each)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from satuanak.facilities.models import Posyandu
    from satuanak.gesit.models import Baas, BaasAssignment
    from satuanak.interventions.models import Intervention
    from satuanak.referrals.models import Referral
    from satuanak.referrals.services import referral_create, service_units_load

    settings.MEDIA_ROOT = tmp_path / "media"
    service_units_load()
    a = children["a"]
    assert a.desa is not None
    baas = Baas.objects.create(
        kind="person", name="BAAS UJI", desa=a.desa, kecamatan=a.desa.kecamatan, created_by=personas["dinkes"]
    )
    start = date(2024, 6, 1)
    assignment = BaasAssignment.objects.create(
        baas=baas,
        child=a,
        status="confirmed",
        start_date=start,
        end_date=start + timedelta(days=99),
        confirmed_by=personas["dinkes"],
        confirmed_at=timezone.now(),
        intervention=Intervention.objects.create(
            child=a, kind="pmt", programme="GESIT", start_date=start, given_by=personas["dinkes"]
        ),
    )
    posyandu = Posyandu.objects.filter(desa=a.desa).first()
    assert posyandu is not None
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    ordinary = referral_create(
        user=personas["pkm_sungai_duri"],
        child_id=a.pk,
        from_unit="pkm-sungai-duri",
        to_unit="sapa-abk",
        reason="Belum dapat berjalan",
        urgency="urgent",
        attachments=[SimpleUploadedFile("surat.png", png)],
    )
    secret = referral_create(
        user=personas["pkm_sungai_duri"],
        child_id=a.pk,
        from_unit="pkm-sungai-duri",
        to_unit="uptd-ppa",
        reason="RAHASIA-RUJUKAN kekerasan",
        urgency="emergency",
        is_protection=True,
        attachments=[SimpleUploadedFile("bukti.png", png)],
    )
    from satuanak.prap.demo import prap_demo_load
    from satuanak.prap.models import Assessment, Evidence

    prap_demo_load(reference_date=date(2024, 12, 31))
    certified = Assessment.objects.get(facility__name="Puskesmas Sungai Duri", state="certified")
    evidence = Evidence.objects.filter(assessment_item__assessment=certified).first()
    assert evidence is not None
    from satuanak.governance.services import subject_request_open
    from satuanak.halo.services import conversation_start
    from satuanak.interop.tokens import token_create
    from satuanak.kemitraan.services import company_create, ikm_service_points_sync
    from satuanak.kla.services import kla_indicators_load
    from satuanak.lapangan.models import SyncRecord
    from satuanak.lapangan.services import device_register
    from satuanak.partisipasi.services import proposal_record, report_submit
    from satuanak.remaja.services import posyandu_remaja_create

    device, _secret = device_register(user=personas["kader_sungai_duri"], label="HP semua rute")
    # A parent's access request about child A (the steward's), and a correction of its mother's
    # name routed to SIAK's readers (the correction queue then has an item to show, in area only).
    subject_request = subject_request_open(
        user=personas["steward"],
        child=a,
        kind="access",
        requester_name="Ibu Pemohon",
        relationship="parent",
        identity_check="KTP dan KK",
    )
    subject_request_open(
        user=personas["steward"],
        child=a,
        kind="correction",
        requester_name="Ibu Pemohon",
        relationship="parent",
        identity_check="KTP dan KK",
        corrections={"mother_name": "IBU BENAR"},
    )
    ikm_service_points_sync()  # the public IKM survey of a service point (disdukcapil)
    kla_indicators_load()  # the KLA pages then show a scorecard, not the "no indicator set" notice
    declaration = _declaration(personas["bidan_rsud"], a)
    school_request, application = _applications(personas["duta_sekolah"], a)
    common = {
        "request_id": school_request.pk,
        "school_file_id": school_request.students.get().attachments.get().pk,
        "application_id": application.pk,
        "application_file_id": application.attachments.first().pk,
        "tracking_code": application.code_display,
        "declaration_id": declaration.pk,
        "adminduk_attachment_id": declaration.attachments.get().pk,
        "baas_id": baas.pk,
        "assignment_id": assignment.pk,
        "posyandu_id": posyandu.pk,
        "facility_id": certified.facility_id,
        "evidence_id": evidence.pk,
        "subject_request_id": subject_request.pk,
        "agreement_id": DataSharingAgreement.objects.order_by("pk").values_list("pk", flat=True).first(),
        "assessment_id": certified.pk,
        "prevention_session_id": cegah_demo_session(personas["dinkes"]),
        # A Forum Anak 2P report of the planners' queue, and a Musrenbang proposal.
        "report_id": report_submit(
            user=personas["publik"], report_type="other", desa_code=a.desa.code, description="Taman rusak"
        ).pk,
        "proposal_id": proposal_record(
            user=personas["bappeda"],
            year=2024,
            entry_level="desa",
            title="Taman bermain",
            description="Usulan Forum Anak",
            forum_anak="Forum Anak Desa",
            sector="health",
            desa_code=a.desa.code,
        ).pk,
        "company_id": company_create(
            name="PT Uji Ramah Anak",
            sector="perkebunan",
            joined_on="2024-01-01",
            contact_person="Narahubung",
            by=personas["bappeda"],
        ).pk,
        # A Halo Remaja conversation: supervisors read it; counsellors only while on duty (no
        # one has a shift here, so they get a 404); everyone else a 403.
        "posyandu_remaja_id": posyandu_remaja_create(
            user=personas["dinkes"], desa_code=a.desa.code, name="Posyandu Remaja uji"
        ).pk,
        "conversation_id": conversation_start(topic="other", message="RAHASIA-HALO").conversation.pk,
        # The steward's API token: only the steward may revoke it (others get a 404).
        "token_id": token_create(user=personas["steward"], name="semua rute")[0].pk,
        # A field device of the cadre (the steward may revoke any device; others get a 404), and
        # a synced weighing of child a that disagrees with the server (a conflict to decide).
        "device_id": device.pk,
        "record_id": SyncRecord.objects.create(
            device=device,
            client_id=uuid.uuid4(),
            seq=1,
            kind="measurement",
            payload_sha256="0" * 64,
            status="conflict",
            child=a,
            desa=a.desa,
            observed_on=date(2024, 12, 1),
            conflict={"rule": "berbeda", "server": {"weight_kg": 9.0}, "device": {"weight_kg": 9.9}},
        ).pk,
    }
    return [
        common | {"referral_id": r.pk, "attachment_id": r.attachments.get().pk}
        for r in (ordinary, secret)
        if isinstance(r, Referral)
    ]


def cegah_demo_session(author: Any) -> int:
    """A Bimwin session at the first KUA (CEGAH DINI: no personal data)."""
    from satuanak.cegah.models import Kua
    from satuanak.cegah.services import cegah_kua_load, prevention_session_record

    cegah_kua_load()
    kua = Kua.objects.order_by("pk").first()
    assert kua is not None
    return prevention_session_record(
        user=author,
        kind="bimwin",
        date=date(2024, 10, 1),
        venue_kind="kua",
        venue_id=kua.pk,
        health_module=True,
        participants_female=5,
        participants_male=5,
    ).pk


def _applications(ambassador: Any, child: Child) -> tuple[Any, Any]:
    """A school's collective request (child A, received, with its birth letter) and an online
    application from the public form."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from satuanak.applications.models import SchoolRequest, SchoolRequestAttachment, SchoolRequestStudent
    from satuanak.applications.services import application_create
    from satuanak.common.uploads import CheckedFile, store

    pdf = b"%PDF-1.4\n% dokumen\n"
    request = SchoolRequest.objects.create(
        school=ambassador.agency.school, created_by=ambassador, state="submitted", submitted_at=timezone.now()
    )
    student = SchoolRequestStudent.objects.create(
        request=request, child=child, wants_akta=True, state="received"
    )
    item = CheckedFile("surat.pdf", pdf, "application/pdf", ".pdf", "1" * 64)
    SchoolRequestAttachment.objects.create(
        student=student,
        kind="birth_letter",
        stored_name=store(item, folder="applications"),
        original_name=item.original_name,
        content_type=item.content_type,
        size_bytes=len(pdf),
        sha256=item.sha256,
        uploaded_by=ambassador,
    )
    assert child.desa is not None
    application = application_create(
        channel="web",
        applicant_name="Ibu Pemohon",
        applicant_phone="081234567890",
        child_name="RAHASIA-PEMOHON",
        child_sex="P",
        child_birth_date=date(2023, 1, 1),
        mother_name="Siti Pemohon",
        desa_code=child.desa.code,
        requested=["akta"],
        attachments=[
            (kind, SimpleUploadedFile(f"{kind}.pdf", pdf))
            for kind in ("birth_letter", "kk_copy", "parent_id")
        ],
    )
    return request, application


def _declaration(operator: Any, child: Child) -> Any:
    """A submitted 3-in-1 birth declaration of the RSUD's birth operator, with its birth letter."""
    from satuanak.adminduk.models import BirthDeclaration, DeclarationAttachment
    from satuanak.common.uploads import CheckedFile, store

    pdf = b"%PDF-1.4\n% surat keterangan lahir\n"
    assert child.desa is not None
    declaration = BirthDeclaration.objects.create(
        facility=operator.agency.health_facility,
        agency=operator.agency,
        baby_name="RAHASIA-BAYI",
        baby_sex="P",
        birth_at=timezone.now() - timedelta(days=2),
        birth_place="Bengkayang",
        weight_g=3100,
        length_cm=49,
        mother_nik="6107015004950002",
        mother_name="RAHASIA-IBU",
        desa=child.desa,
        tracking_code="UJIKODE2",
        submitted_at=timezone.now(),
        due_on=timezone.localdate() + timedelta(days=3),
        created_by=operator,
    )
    item = CheckedFile("surat.pdf", pdf, "application/pdf", ".pdf", "0" * 64)
    DeclarationAttachment.objects.create(
        declaration=declaration,
        kind="birth_letter",
        stored_name=store(item, folder="adminduk"),
        original_name=item.original_name,
        content_type=item.content_type,
        size_bytes=len(pdf),
        sha256=item.sha256,
        uploaded_by=operator,
    )
    return declaration


@pytest.fixture
def children(db: None) -> dict[str, Child]:
    sungai_duri = Desa.objects.get(code="61.07.01.2001")  # kec. Sungai Raya, Puskesmas Sungai Duri
    samalantan = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    a = ChildFactory.create(desa=sungai_duri, name="ANAK SUNGAI DURI")
    b = ChildFactory.create(desa=samalantan, name="ANAK SAMALANTAN")
    for child in (a, b):
        ChildRecordFactory.create(child=child, source="siak", summary={"AKTA": "ADA"})
        ChildRecordFactory.create(child=child, source="simfoni", summary={"JENIS": "RAHASIA-KASUS"})
    return {"a": a, "b": b}


def _client_for(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona_name",
    [
        ANONYMOUS,
        "steward",
        "dinkes",
        "pkm_sungai_duri",
        "pkm_samalantan",
        "dukcapil",
        "disdikbud",
        "duta_sekolah",
        "ppa",
        "ppa_sungai_raya",
        "bappeda",
        "bidan_rsud",
        "kader_sungai_duri",
        "kader_samalantan",
        "publik",
    ],
)
def test_every_route_as_every_role(
    persona_name: str,
    personas: dict[str, Any],
    children: dict[str, Child],
    batches: list[ImportBatch],
    review_pair: ReviewPair,
    work: list[dict[str, Any]],
) -> None:
    user = None if persona_name == ANONYMOUS else personas[persona_name]
    client = _client_for(user)
    checked = 0
    # Logging out ends the session, so the logout route goes last.
    for route, name, view in sorted(_project_routes(), key=lambda r: r[1].endswith("logout")):
        rule = access_rule_of(view)
        assert rule is not None
        if "<int:child_id>" in route:
            targets = [(c, batches[0], work[0]) for c in children.values()]
        elif "<int:batch_id>" in route:
            targets = [(children["a"], b, work[0]) for b in batches]
        elif any(f"<int:{k}>" in route for k in ("referral_id", "attachment_id")):
            targets = [(children["a"], batches[0], w) for w in work]
        else:
            targets = [(children["a"], batches[0], work[0])]
        for child, batch, objects in targets:
            url = _url(route, child, batch, review_pair, objects)
            before = AuditEvent.objects.count()
            if name.endswith(POST_ONLY) and not name.endswith(GET_405):
                response = client.post(url, {"tujuan": "uji akses"})
            else:
                response = client.get(url, {"tujuan": "uji akses"})
            status = response.status_code
            assert status != 500, (name, url)
            checked += 1
            if rule.kind == "public":
                # /readyz answers 503 while no task worker beats, as here: not ready is its answer.
                not_ready = name == "readyz" and status == 503
                assert status < 400 or status == 405 or not_ready, (name, status)
                if status == 200 and response.get("Content-Type", "").startswith(
                    ("text/html", "application/json")
                ):
                    body = response.content.decode()
                    for c in children.values():
                        assert c.name not in body and c.nik not in body, (
                            name,
                            "personal data on a public page",
                        )
                continue
            if rule.kind == "api":
                # The API takes bearer tokens only (interop/api; its own tests cover tokens): a
                # browser session opens nothing but the description and the public endpoints.
                assert status in (200, 401, 404, 405, 422), (name, status)
                if status == 200:
                    assert name in API_PUBLIC, (name, "answered a session without a token")
                    body = response.content.decode()
                    assert all(c.name not in body for c in children.values()), name
                continue
            if user is None:
                assert status == 302 and "/masuk/" in response["Location"], (name, status)
                continue
            if rule.kind == "signed_in":
                own_only = name.endswith(("token-revoke", "lapangan-device-revoke")) and status == 404
                no_field_app = (
                    name.endswith("lapangan-register")
                    and status == 403
                    and Capability.USE_FIELD_APP not in policy_for(user.role).capabilities
                )
                assert status in (200, 302) or own_only or no_field_app, (name, status)
                continue
            # personal data
            assert rule.capability is not None
            if rule.capability not in policy_for(user.role).capabilities:
                assert status == 403, (persona_name, name, status)
                assert (
                    AuditEvent.objects.filter(actor=user, action=AuditAction.ACCESS_DENIED, id__gt=0).count()
                    > 0
                )
                continue
            policy = policy_for(user.role)
            if "<int:batch_id>" in route and batch.source not in policy.import_sources:
                assert status == 404, (persona_name, name, batch.source, status)
                continue
            if name.endswith("import-rejected") and batch.source not in policy.sources:
                assert status == 403, (persona_name, name, batch.source, status)
                continue
            if name.endswith("linkage-start"):  # starts a run (here at once) and goes back to the queue
                assert status == 302, (persona_name, name, status)
                assert AuditEvent.objects.filter(actor=user, action=AuditAction.LINKAGE_RUN).exists()
                continue
            if name.endswith(GET_405):  # POST only: a GET changes nothing
                assert status == 405, (persona_name, name, status)
                continue
            if any(f"<int:{k}>" in route for k in WORK_PARAMS):
                assert status in (200, 404), (persona_name, name, status)
                if status == 404:
                    continue
                # The violence-related referral: its author and protection officers only.
                reads_violence = user.role == "protection_officer" or user.username == VIOLENCE_AUTHOR
                if objects is work[1] and route.startswith("rujukan/"):
                    assert reads_violence, (persona_name, name, "violence referral shown")
                if response.get("Content-Type", "").startswith("text/html"):
                    page = response.content.decode()
                    if "referral_id" in route:
                        shown = "RAHASIA-RUJUKAN" in page
                        assert shown == (reads_violence and objects is work[1]), (persona_name, name)
                    assert "RAHASIA-KASUS" not in page, (persona_name, name)
                assert AuditEvent.objects.count() > before, (
                    persona_name,
                    name,
                    "a look without an audit entry",
                )
                continue
            if "<int:child_id>" in route and not _in_area(user, child):
                assert status == 404, (persona_name, name, child.name, status)
                assert AuditEvent.objects.filter(
                    actor=user, action=AuditAction.ACCESS_DENIED, subject_id=str(child.pk)
                ).exists()
                continue
            assert status == 200, (persona_name, name, status)
            if name.endswith(BLANK_FORMS):
                continue  # an empty form shows no one's data: nothing to audit until it is sent
            assert AuditEvent.objects.count() > before, (persona_name, name, "a look without an audit entry")
            if not response.get("Content-Type", "").startswith(("text/", "application/json")):
                continue  # a spreadsheet (template, report): no page text to check
            body = response.content.decode()
            if "<int:child_id>" in route:
                shows_violence = "RAHASIA-KASUS" in body
                if name.endswith("child-detail"):  # the page that lists the child's records
                    assert shows_violence == (user.role == "protection_officer"), (persona_name, name)
                else:
                    assert not shows_violence or user.role == "protection_officer", (persona_name, name)
            if "<int:batch_id>" in route and batch.source not in policy.sources:
                assert f"RAHASIA-BATCH-{batch.source}" not in body, (persona_name, name)
            for other in children.values():
                if not _in_area(user, other) and "audit" not in name:
                    assert other.name not in body, (persona_name, name, "child outside the area listed")
    assert checked >= len(_project_routes())
