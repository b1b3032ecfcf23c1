"""FHIR R4 (SATUSEHAT) and DHIS2 through the API: a child's or a desa's bundle out, a bundle of
observations in (through the e-PPGBM import's checks), and the dataValueSets payload."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from satuanak.access.policy import Capability
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.interop.api.auth import need
from satuanak.interop.api.errors import ERRORS, ApiError
from satuanak.interop.api.writes import BatchOut, batch_report, require_area

router = Router(tags=["FHIR, DHIS2"])

FHIR_JSON = "application/fhir+json"


class Purpose(Schema):
    tujuan: str = Field(..., min_length=3, max_length=300, description="why the export is made (audited)")


class BundlePage(Purpose):
    desa: str = Field("", max_length=13, description="Kemendagri desa code (default: all the caller may see)")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


_BUNDLE = {"type": "object", "description": "a FHIR R4 Bundle (resourceType Bundle)"}


def _fhir_error(exc: Any) -> ApiError:
    status = {"forbidden": 403, "out_of_area": 403, "too_large": 413}.get(exc.code, 400)
    return ApiError(status, exc.code, exc.message_id, exc.message_en, list(exc.details or []))


@router.get(
    "anak/{child_id}/fhir/",
    response={200: dict[str, Any], **ERRORS},
    summary="A child as a FHIR R4 transaction Bundle (Patient, Observation, Immunization)",
)
def child_fhir(request: HttpRequest, child_id: int, q: Query[Purpose]) -> Any:
    from satuanak.interop.fhir.export import child_bundle

    user = need(request, Capability.EXPORT_CHILDREN)
    if not 0 < child_id < 2**31:
        child_id = 0
    # Opened as on the page (scoped, CHILD_VIEWED) and logged as an export with the stated purpose.
    return child_bundle(user=user, child_id=child_id, request=request, purpose=q.tujuan.strip())


@router.get(
    "fhir/Bundle/",
    response={200: dict[str, Any], **ERRORS},
    summary="The caller's children as FHIR R4 Bundles, a page at a time",
)
def children_fhir(request: HttpRequest, q: Query[BundlePage]) -> Any:
    from satuanak.interop.fhir.export import children_bundle
    from satuanak.interop.fhir.mapping import FhirInputError

    user = need(request, Capability.EXPORT_CHILDREN)
    if q.desa:
        require_area(request, [q.desa.strip()])
    try:
        bundle, _total = children_bundle(
            user=user,
            desa_code=q.desa.strip() or None,
            limit=q.limit,
            offset=q.offset,
            request=request,
            purpose=q.tujuan.strip(),
        )
    except FhirInputError as exc:
        raise _fhir_error(exc) from None
    return bundle


class FhirImportOut(Schema):
    entries: int
    rows: int
    skipped: list[dict[str, Any]]
    batches: list[BatchOut]


@router.post(
    "fhir/Bundle/",
    response={200: FhirImportOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/fhir+json": {"schema": _BUNDLE},
                "application/json": {"schema": _BUNDLE},
            },
        }
    },
    summary="Send measurements as a FHIR Bundle of Patient + Observation (checked as an e-PPGBM import)",
)
def fhir_import(request: HttpRequest) -> Any:
    import json

    from satuanak.interop.fhir.ingest import FhirInputError, observation_bundle_import

    user = need(request, Capability.RECORD_MEASUREMENTS)
    try:
        data = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(
            400, "bad_json", "Isi permintaan bukan JSON yang sah.", "The body is not valid JSON."
        ) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_fhir", "Kirim satu Bundle FHIR.", "Send one FHIR Bundle.")
    try:
        result = observation_bundle_import(user=user, data=data, request=request)
    except FhirInputError as exc:
        raise _fhir_error(exc) from None
    return {
        "entries": result.entries_total,
        "rows": result.rows,
        "skipped": [s.as_dict() for s in result.skipped],
        "batches": [batch_report(b) for b in result.batches],
    }


class Dhis2Query(Schema):
    periode: str = Field(..., min_length=4, max_length=7, description="2024Q4 or 2024")
    tingkat: str = Field("desa", pattern="^(desa|kecamatan|district)$")


@router.get(
    "dhis2/dataValueSets/",
    response={200: dict[str, Any], **ERRORS},
    summary="Exact counts per area as a DHIS2 dataValueSets payload (data/interop/dhis2_mapping.json)",
)
def dhis2_values(request: HttpRequest, response: HttpResponse, q: Query[Dhis2Query]) -> Any:
    from satuanak.interop.dhis2.services import Dhis2Error, data_value_set

    user = need(request, Capability.EXPORT_AGGREGATES)
    try:
        payload, report = data_value_set(period=q.periode, level=q.tingkat)
    except Dhis2Error as exc:
        raise ApiError(
            404 if exc.code == "unknown_period" else 400,
            exc.code,
            exc.message_id,
            exc.message_en,
        ) from None
    audit_record(
        action=AuditAction.EXPORTED,
        actor=user,
        request=request,
        subject_type="aggregates",
        purpose="DHIS2",
        detail={"period": q.periode, "level": q.tingkat, "values": len(payload.get("dataValues", []))},
    )
    # The payload is what DHIS2 takes as it is; what could not be mapped is said beside it.
    response["X-Satuanak-Unmapped"] = str(report["unmapped"]["count"])
    return payload
