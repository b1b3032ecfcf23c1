"""The API applies scope, capabilities and audit exactly as the pages do — for tokens too."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from satuanak.access.policy import policy_for
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.imports.models import ImportBatch
from satuanak.interop.models import ApiToken
from satuanak.interop.tokens import token_create, token_revoke
from satuanak.interventions.models import Intervention
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

pytestmark = pytest.mark.django_db

SUNGAI_DURI = "61.07.01.2001"


@pytest.fixture
def world(personas: dict[str, Any]) -> dict[str, Any]:
    here = Desa.objects.get(code=SUNGAI_DURI)
    elsewhere = Desa.objects.filter(kecamatan__code="61.07.02").order_by("code").first()
    return {
        "here": ChildFactory.create(desa=here, birth_date=date(2023, 5, 1), name="ANAK SINI"),
        "there": ChildFactory.create(desa=elsewhere, birth_date=date(2023, 5, 1), name="ANAK SANA"),
        "elsewhere": elsewhere,
    }


def _bearer(personas: dict[str, Any], username: str) -> dict[str, str]:
    # Personal-data roles' tokens carry the purpose a session would choose (access/purpose.py).
    purpose = "layanan" if policy_for(personas[username].role).reads_personal_data else ""
    _token, secret = token_create(user=personas[username], name="test", purpose=purpose)
    return {"Authorization": f"Bearer {secret}"}


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message_id", "message_en", "details"} <= set(body["error"])
    return body["error"]


def test_without_a_valid_token_every_protected_operation_answers_401_in_the_error_shape(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    client = Client()
    token, secret = token_create(user=personas["dinkes"], name="revoked")
    token_revoke(token=token, by=personas["dinkes"])
    expired, expired_secret = token_create(user=personas["dinkes"], name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for header in (
        {},
        {"Authorization": "Bearer sda_nonsense"},
        {"Authorization": f"Bearer {secret}"},
        {"Authorization": f"Bearer {expired_secret}"},
    ):
        for path in ("/api/v1/saya/", "/api/v1/anak/", f"/api/v1/anak/{world['here'].pk}/"):
            response = client.get(path, headers=header)
            assert response.status_code == 401, (path, header)
            assert _error(response)["code"] == "unauthenticated"
    # a deactivated user's tokens stop at once
    live = _bearer(personas, "dinkes")
    assert client.get("/api/v1/saya/", headers=live).status_code == 200
    personas["dinkes"].is_active = False
    personas["dinkes"].save()
    assert client.get("/api/v1/saya/", headers=live).status_code == 401


def test_a_token_sees_exactly_the_children_the_page_shows_to_its_user(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    api, page = Client(), Client()
    page.force_login(personas["pkm_sungai_duri"])
    headers = _bearer(personas, "pkm_sungai_duri")
    listed = api.get("/api/v1/anak/?limit=200", headers=headers).json()
    api_ids = {c["id"] for c in listed["items"]}
    assert world["here"].pk in api_ids and world["there"].pk not in api_ids
    assert listed["count"] == len(api_ids)
    page_html = page.get("/anak/").content.decode()
    assert "ANAK SINI" in page_html and "ANAK SANA" not in page_html
    # one child in the area opens; out of area is a 404 like the page, and both are audited
    assert api.get(f"/api/v1/anak/{world['here'].pk}/", headers=headers).status_code == 200
    assert page.get(f"/anak/{world['there'].pk}/").status_code == 404
    out = api.get(f"/api/v1/anak/{world['there'].pk}/", headers=headers)
    assert out.status_code == 404 and _error(out)["code"] == "not_found"
    viewed = AuditEvent.objects.filter(action=AuditAction.CHILD_VIEWED, subject_id=str(world["here"].pk))
    assert viewed.count() == 1 and "api_token" in viewed.get().detail
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, subject_id=str(world["there"].pk))
    assert denied.count() == 2  # the page's and the token's
    assert {bool(e.detail.get("api_token")) for e in denied} == {True, False}
    listed_events = AuditEvent.objects.filter(
        action=AuditAction.CHILD_LIST_VIEWED, actor=personas["pkm_sungai_duri"]
    )
    assert listed_events.count() == 2


def test_the_nik_stays_masked_and_sources_the_role_may_not_see_stay_out(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    from satuanak.persons.models import ChildRecord

    child = world["here"]
    ChildRecord.objects.create(
        child=child, source="simfoni", record_id="simfoni:x", summary={"violence_type": "fisik"}
    )
    ChildRecord.objects.create(
        child=child, source="eppgbm", record_id="eppgbm:x", summary={"weight_kg": "9.1"}
    )
    detail = Client().get(f"/api/v1/anak/{child.pk}/", headers=_bearer(personas, "dinkes")).json()
    assert child.nik not in json.dumps(detail) or not child.nik
    assert {r["source"] for r in detail["records"]} == {"eppgbm"}
    ppa = Client().get(f"/api/v1/anak/{child.pk}/", headers=_bearer(personas, "ppa")).json()
    assert {r["source"] for r in ppa["records"]} == {"simfoni"}


def test_a_role_without_the_capability_is_refused_and_the_refusal_is_audited(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    headers = _bearer(personas, "bappeda")  # the planner reads aggregates only
    response = Client().get("/api/v1/anak/", headers=headers)
    assert response.status_code == 403 and _error(response)["code"] == "forbidden"
    entry = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, actor=personas["bappeda"])
    assert entry.detail["capability"] == "view_children" and entry.detail["api_token"]
    # and the page refuses the same user
    page = Client()
    page.force_login(personas["bappeda"])
    assert page.get("/anak/").status_code == 403


def test_pagination_walks_every_child_once(personas: dict[str, Any], world: dict[str, Any]) -> None:
    here = Desa.objects.get(code=SUNGAI_DURI)
    for i in range(7):
        ChildFactory.create(desa=here, name=f"ANAK {i:02d}")
    headers = _bearer(personas, "dinkes")
    seen: list[int] = []
    offset = 0
    while True:
        page = Client().get(f"/api/v1/anak/?limit=3&offset={offset}", headers=headers).json()
        seen += [c["id"] for c in page["items"]]
        offset += 3
        if offset >= page["count"]:
            break
    assert len(seen) == len(set(seen)) == page["count"] >= 9
    bad = Client().get("/api/v1/anak/?limit=100000", headers=headers)
    assert bad.status_code == 422 and _error(bad)["code"] == "invalid"


def test_the_rate_limit_is_per_token(personas: dict[str, Any], settings: Any) -> None:
    settings.SATUANAK_API_RATE_PER_MINUTE = 3
    first, second = _bearer(personas, "dinkes"), _bearer(personas, "dinkes")
    codes = [Client().get("/api/v1/saya/", headers=first).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Client().get("/api/v1/saya/", headers=second).status_code == 200


def _measurement(**over: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "name": "BUDI API",
        "sex": "L",
        "birth_date": (today - timedelta(days=400)).isoformat(),
        "desa_code": SUNGAI_DURI,
        "measurement_date": (today - timedelta(days=2)).isoformat(),
        "weight_kg": 9.4,
        "height_cm": 76.5,
        "position": "lying",
    } | over


def test_measurements_go_through_the_file_import_and_every_row_is_accounted_for(
    personas: dict[str, Any],
) -> None:
    headers = _bearer(personas, "kader_sungai_duri")
    body = {"measurements": [_measurement(), _measurement(name="SITI API", sex="P", weight_kg=-3)]}
    response = Client().post("/api/v1/pengukuran/", body, content_type="application/json", headers=headers)
    assert response.status_code == 200, response.content
    (batch,) = response.json()["batches"]
    assert (batch["rows_in"], batch["accepted"], batch["rejected"]) == (2, 1, 1)
    assert {i["index"] for i in batch["issues"] if i["severity"] == "error"} == {1}
    stored = ImportBatch.objects.get(pk=batch["batch"])
    assert stored.adapter == "eppgbm" and stored.uploaded_by == personas["kader_sungai_duri"]
    # the same rows again: recorded once (a duplicate batch adds nothing)
    again = (
        Client().post("/api/v1/pengukuran/", body, content_type="application/json", headers=headers).json()
    )
    assert again["batches"][0]["status"] == "duplicate"
    # all rows refused: 422 with the reasons, and the batch still accounts for them
    refused = Client().post(
        "/api/v1/pengukuran/",
        {"measurements": [_measurement(weight_kg=-1)]},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422 and _error(refused)["code"] == "rejected"
    assert ImportBatch.objects.filter(rejected=1, accepted=0).count() == 1


def test_a_cadre_cannot_send_measurements_for_another_area_and_nothing_is_saved(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    headers = _bearer(personas, "kader_sungai_duri")
    body = {"measurements": [_measurement(), _measurement(desa_code=world["elsewhere"].code)]}
    before = ImportBatch.objects.count()
    response = Client().post("/api/v1/pengukuran/", body, content_type="application/json", headers=headers)
    assert response.status_code == 403
    error = _error(response)
    assert error["code"] == "out_of_area" and error["details"] == [
        {"index": 1, "desa_code": world["elsewhere"].code}
    ]
    assert ImportBatch.objects.count() == before


def test_interventions_through_the_api_use_the_page_rules(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    headers = _bearer(personas, "kader_sungai_duri")
    start = (timezone.localdate() - timedelta(days=10)).isoformat()
    ok = Client().post(
        "/api/v1/intervensi/",
        {"child_id": world["here"].pk, "kind": "pmt", "start_date": start, "programme": "GESIT"},
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 201
    assert Intervention.objects.get(pk=ok.json()["id"]).given_by == personas["kader_sungai_duri"]
    out = Client().post(
        "/api/v1/intervensi/",
        {"child_id": world["there"].pk, "kind": "pmt", "start_date": start},
        content_type="application/json",
        headers=headers,
    )
    assert out.status_code == 404
    future = Client().post(
        "/api/v1/intervensi/",
        {"child_id": world["here"].pk, "kind": "pmt", "start_date": "2999-01-01"},
        content_type="application/json",
        headers=headers,
    )
    assert future.status_code == 400 and "masa depan" in _error(future)["message_id"]
    assert Intervention.objects.count() == 1


def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(personas: dict[str, Any]) -> None:
    headers = _bearer(personas, "kader_sungai_duri")
    response = Client().post(
        "/api/v1/pengukuran/", "{not json", content_type="application/json", headers=headers
    )
    assert 400 <= response.status_code < 500
    assert _error(response)["code"] in ("bad_request", "invalid")


def test_aggregates_are_the_suppressed_map_figures(personas: dict[str, Any]) -> None:
    from satuanak.flags.models import FlagAggregate, FlagRule, FlagRun

    FlagRule.objects.create(
        code="stunting", version=1, valid_from=date(2020, 1, 1), title_id="Stunting", title_en="Stunting"
    )
    FlagRun.objects.create(status=FlagRun.Status.DONE, as_of=date(2024, 12, 31))
    FlagAggregate.objects.create(
        code="stunting",
        period="2024Q4",
        level="desa",
        area_code=SUNGAI_DURI,
        numerator=3,
        denominator=40,
        rate=0.075,
        ci_low=0.02,
        ci_high=0.2,
    )
    FlagAggregate.objects.create(
        code="stunting",
        period="2024Q4",
        level="desa",
        area_code="61.07.01.2002",
        numerator=12,
        denominator=60,
        rate=0.2,
        ci_low=0.1,
        ci_high=0.3,
    )
    headers = _bearer(personas, "publik")
    body = Client().get("/api/v1/agregat/?penanda=stunting", headers=headers).json()
    cells = {c["area_code"]: c for c in body["cells"]}
    assert body["period"] == "2024Q4"
    assert cells[SUNGAI_DURI]["n"] == "<5"  # a small count is never given exactly
    unknown = Client().get("/api/v1/agregat/?penanda=nope", headers=headers)
    assert unknown.status_code == 404 and _error(unknown)["code"] == "unknown_flag_or_period"


def test_the_openapi_description_documents_every_operation_and_its_errors() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (path, method)
            assert {"422", "429"} <= codes, (path, method)
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200 and "cdn.jsdelivr" not in docs.content.decode()


def test_the_committed_openapi_file_is_current() -> None:
    """docs/api/openapi.json is what clients read without running the platform: CI fails when
    it differs from what the code describes (`make openapi` rewrites it)."""
    from pathlib import Path

    from django.conf import settings

    committed = json.loads((Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json").read_text())
    assert committed == Client().get("/api/v1/openapi.json").json()


def test_tokens_page_shows_the_secret_once_and_revokes(personas: dict[str, Any]) -> None:
    page = Client()
    page.force_login(personas["kader_sungai_duri"])
    made = page.post("/akun/token/", {"nama": "HP kader", "hari": "30"})
    html = made.content.decode()
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    secret = re.search(r"sda_[A-Za-z0-9_-]{20,}", html)
    assert secret is not None
    token = ApiToken.objects.get(user=personas["kader_sungai_duri"])
    assert token.token_sha256 == hashlib.sha256(secret.group(0).encode()).hexdigest()
    assert (
        Client().get("/api/v1/saya/", headers={"Authorization": f"Bearer {secret.group(0)}"}).status_code
        == 200
    )
    listed = page.get("/akun/token/").content.decode()
    assert token.prefix in listed and secret.group(0) not in listed  # shown once
    assert page.post("/akun/token/", {"nama": ""}).status_code == 400
    # another user cannot revoke it
    other = Client()
    other.force_login(personas["dinkes"])
    assert other.post(f"/akun/token/{token.pk}/cabut/").status_code == 404
    page.post(f"/akun/token/{token.pk}/cabut/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_dhis2_values_are_exact_counts_for_roles_that_send_them(personas: dict[str, Any]) -> None:
    from satuanak.flags.models import FlagAggregate
    from satuanak.interop.dhis2.services import dhis2_mapping_load

    dhis2_mapping_load()
    FlagAggregate.objects.create(
        code="stunting",
        period="2024Q4",
        level="desa",
        area_code=SUNGAI_DURI,
        numerator=3,
        denominator=40,
        rate=0.075,
        ci_low=0.02,
        ci_high=0.2,
    )
    response = Client().get(
        "/api/v1/dhis2/dataValueSets/?periode=2024Q4", headers=_bearer(personas, "bappeda")
    )
    assert response.status_code == 200, response.content
    values = {(v["dataElement"], v["orgUnit"]): v["value"] for v in response.json()["dataValues"]}
    assert values == {("SDA_STUNTING_N", SUNGAI_DURI): "3", ("SDA_STUNTING_D", SUNGAI_DURI): "40"}
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, purpose="DHIS2").count() == 1
    # a cadre holds no EXPORT_AGGREGATES; an unknown period is a 404 in the error shape
    assert (
        Client()
        .get("/api/v1/dhis2/dataValueSets/?periode=2024Q4", headers=_bearer(personas, "kader_sungai_duri"))
        .status_code
        == 403
    )
    missing = Client().get(
        "/api/v1/dhis2/dataValueSets/?periode=2019Q1", headers=_bearer(personas, "bappeda")
    )
    assert missing.status_code == 404 and _error(missing)["code"] == "unknown_period"


def test_fhir_through_the_api_is_scoped_audited_once_and_reads_back(
    personas: dict[str, Any], world: dict[str, Any]
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    headers = _bearer(personas, "pkm_sungai_duri")
    child = world["here"]
    out = Client().get(f"/api/v1/anak/{child.pk}/fhir/?tujuan=kirim ke SATUSEHAT", headers=headers)
    assert out.status_code == 200, out.content
    Bundle.model_validate(out.json())
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORTED, actor=personas["pkm_sungai_duri"])
    assert [e.purpose for e in exported] == ["kirim ke SATUSEHAT"]
    assert AuditEvent.objects.filter(action=AuditAction.CHILD_VIEWED, subject_id=str(child.pk)).count() == 1
    assert (
        Client().get(f"/api/v1/anak/{world['there'].pk}/fhir/?tujuan=uji", headers=headers).status_code == 404
    )
    assert Client().get(f"/api/v1/anak/{child.pk}/fhir/", headers=headers).status_code == 422  # no purpose
    # a bundle of observations in: through the e-PPGBM import, every entry accounted for
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b0e7c1e-1111-4c1e-9a5e-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"text": "RINA FHIR"}],
                    "gender": "female",
                    "birthDate": (timezone.localdate() - timedelta(days=500)).isoformat(),
                    "address": [
                        {
                            "extension": [
                                {
                                    "url": "https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode",
                                    "extension": [{"url": "village", "valueCode": "6107012001"}],
                                }
                            ]
                        }
                    ],
                },
            },
            {
                "fullUrl": "urn:uuid:0b0e7c1e-1111-4c1e-9a5e-000000000002",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                    "subject": {"reference": "urn:uuid:0b0e7c1e-1111-4c1e-9a5e-000000000001"},
                    "effectiveDateTime": (timezone.localdate() - timedelta(days=3)).isoformat(),
                    "valueQuantity": {
                        "value": 9.8,
                        "unit": "kg",
                        "system": "http://unitsofmeasure.org",
                        "code": "kg",
                    },
                },
            },
            {
                "fullUrl": "urn:uuid:0b0e7c1e-1111-4c1e-9a5e-000000000003",
                "resource": {"resourceType": "Organization", "name": "x"},
            },
        ],
    }
    sent = Client().post(
        "/api/v1/fhir/Bundle/",
        json.dumps(bundle),
        content_type="application/fhir+json",
        headers=_bearer(personas, "kader_sungai_duri"),
    )
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert body["entries"] == 3 and body["rows"] == 1 and len(body["skipped"]) == 1
    assert body["batches"][0]["accepted"] == 1
    refused = Client().post(
        "/api/v1/fhir/Bundle/",
        "[]",
        content_type="application/json",
        headers=_bearer(personas, "kader_sungai_duri"),
    )
    assert refused.status_code == 400 and _error(refused)["code"] in ("bad_fhir", "not_a_bundle")


def test_a_nul_character_is_a_400_on_pages_and_in_the_api(personas: dict[str, Any]) -> None:
    page = Client()
    page.force_login(personas["dinkes"])
    assert page.get("/anak/?q=a%00b").status_code == 400
    headers = _bearer(personas, "dinkes")
    query = Client().get("/api/v1/anak/?q=a%00b", headers=headers)
    assert query.status_code == 400 and _error(query)["code"] == "bad_characters"
    body = {"measurements": [_measurement(name="BUDI\u0000X")]}
    sent = Client().post(
        "/api/v1/pengukuran/", json.dumps(body), content_type="application/json", headers=headers
    )
    assert sent.status_code == 400 and _error(sent)["code"] == "bad_characters"
    assert ImportBatch.objects.count() == 0
    # a tab or a newline in a value is ordinary text
    assert page.get("/anak/?q=a%09b").status_code == 200
