"""What field apps send: measurements (through the e-PPGBM import's own checks), interventions
and the mobile unit's visits (through the services the pages use). Nothing here validates a
value a service or an adapter already validates: one set of rules, wherever a record comes from."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from satuanak.access.policy import Capability
from satuanak.access.selectors import AccessDenied, children_visible_to, desa_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common.messages import bilingual
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_rows_run
from satuanak.interop.api.auth import need
from satuanak.interop.api.errors import ERRORS, ApiError
from satuanak.interventions.schemas import InterventionFields
from satuanak.jempol.schemas import VisitFields
from satuanak.regions.models import Desa

router = Router(tags=["catat / record"])

MAX_MEASUREMENTS = 500  # per request: a posyandu day; bigger loads are files (/impor/)


class MeasurementIn(Schema):
    nik: str = Field("", max_length=32)
    name: str = Field(..., max_length=200)
    sex: str = Field(..., max_length=20, description="L or P (as in e-PPGBM)")
    birth_date: date
    mother_name: str = Field("", max_length=200)
    desa_code: str = Field(..., max_length=13, description="Kemendagri desa code")
    posyandu: str = Field("", max_length=200)
    puskesmas: str = Field("", max_length=200)
    measurement_date: date
    weight_kg: float = Field(..., allow_inf_nan=False)
    height_cm: float | None = Field(None, allow_inf_nan=False)
    position: Literal["lying", "standing", ""] = ""
    muac_cm: float | None = Field(None, allow_inf_nan=False)


class MeasurementsIn(Schema):
    measurements: list[MeasurementIn] = Field(..., min_length=1, max_length=MAX_MEASUREMENTS)


class IssueOut(Schema):
    index: int | None = Field(description="the measurement's place in the request (0-based); null: all")
    column: str
    code: str
    severity: str
    message: str


class BatchOut(Schema):
    batch: int
    status: str
    rows_in: int
    accepted: int
    rejected: int
    inserted: int
    updated: int
    unchanged: int
    message: str
    issues: list[IssueOut]


class MeasurementsOut(Schema):
    batches: list[BatchOut]


def batch_report(batch: ImportBatch) -> dict[str, Any]:
    """A batch as the API reports it; issue rows mapped back to the request's own indexes."""
    header = batch.header_row or 1
    issues = [
        {
            "index": None if row is None else row - header - 1,
            "column": column,
            "code": code,
            "severity": severity,
            "message": message,
        }
        for row, column, code, severity, message in batch.issues.order_by("row_number", "id").values_list(
            "row_number", "column", "code", "severity", "message"
        )[:1000]
    ]
    return {
        "batch": batch.pk,
        "status": batch.status,
        "rows_in": batch.rows_in,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "inserted": batch.inserted,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "message": batch.message,
        "issues": issues,
    }


def require_area(request: HttpRequest, desa_codes: list[str]) -> None:
    """Every desa a write names must be in the caller's area; otherwise nothing is saved and the
    answer lists which items fall outside (a cadre records for her own posyandu's desa)."""
    visible = set(desa_visible_to(request.user).values_list("code", flat=True))
    known = set(Desa.objects.filter(code__in=set(desa_codes)).values_list("code", flat=True))
    outside = [
        {"index": i, "desa_code": code}
        for i, code in enumerate(desa_codes)
        if code in known and code not in visible
    ]
    if outside:
        raise ApiError(
            403,
            "out_of_area",
            "Sebagian data di luar wilayah Anda; tidak ada yang disimpan.",
            "Some items are outside your area; nothing was saved.",
            outside,
        )


@router.post(
    "pengukuran/",
    response={200: MeasurementsOut, **ERRORS},
    summary="Send weighings; checked exactly as an e-PPGBM file import",
)
def measurements(request: HttpRequest, body: MeasurementsIn) -> Status:
    user = need(request, Capability.RECORD_MEASUREMENTS)
    items = body.measurements
    require_area(request, [m.desa_code.strip() for m in items])
    rows = [
        {
            "nik": m.nik,
            "name": m.name,
            "sex": m.sex,
            "birth_date": m.birth_date.isoformat(),
            "mother_name": m.mother_name,
            "desa": m.desa_code.strip(),
            "posyandu": m.posyandu,
            "puskesmas": m.puskesmas,
            "measurement_date": m.measurement_date.isoformat(),
            "weight_kg": m.weight_kg,
            "height_cm": m.height_cm,
            "position": m.position,
            "muac_cm": m.muac_cm,
        }
        for m in items
    ]
    batches = import_rows_run(
        adapter_name="eppgbm", rows=rows, user=user, file_name=f"api-pengukuran-{user.get_username()}.csv"
    )
    report = {"batches": [batch_report(b) for b in batches]}
    if all(b.status == ImportBatch.Status.DONE and b.accepted == 0 and b.rows_in > 0 for b in batches):
        raise ApiError(
            422,
            "rejected",
            "Semua pengukuran ditolak; lihat alasan per baris.",
            "Every measurement was refused; see the reason for each.",
            [i for b in report["batches"] for i in b["issues"]],
        )
    return Status(200, report)


class InterventionIn(Schema, InterventionFields):
    pass


class InterventionOut(Schema):
    id: int
    child_id: int
    kind: str
    start_date: date
    end_date: date | None


@router.post(
    "intervensi/", response={201: InterventionOut, **ERRORS}, summary="Record what was done for a child"
)
def intervention(request: HttpRequest, body: InterventionIn) -> Status:
    from satuanak.interventions.services import InterventionError, intervention_record

    user = need(request, Capability.RECORD_INTERVENTIONS)
    if not children_visible_to(user).filter(pk=body.child_id).exists():
        # Out of the area and unknown look the same, and the attempt is logged (as pages do).
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="child",
            subject_id=body.child_id,
            detail={"reason": "child not in scope or not found"},
        )
        raise ApiError(
            404, "not_found", "Anak tidak ditemukan di wilayah Anda.", "Child not found in your area."
        )
    try:
        item = intervention_record(user=user, request=request, **body.dict())
    except InterventionError as exc:
        raise ApiError(400, "refused", *bilingual(str(exc))) from None
    return Status(
        201,
        {
            "id": item.pk,
            "child_id": item.child_id,
            "kind": item.kind,
            "start_date": item.start_date,
            "end_date": item.end_date,
        },
    )


class VisitIn(Schema, VisitFields):
    pass


class VisitOut(Schema):
    id: int
    desa_code: str
    date: date
    documents_issued: int


@router.post("kunjungan/", response={201: VisitOut, **ERRORS}, summary="Record a mobile adminduk unit visit")
def visit(request: HttpRequest, body: VisitIn) -> Status:
    from satuanak.jempol.services import JempolError, visit_record

    need(request, Capability.PLAN_OUTREACH)
    user = need(request, Capability.PROCESS_ADMINDUK)
    require_area(request, [body.desa_code.strip()])
    try:
        made = visit_record(
            user=user,
            desa_code=body.desa_code,
            date=body.date,
            services=body.services,
            documents=body.documents,
            team=body.team,
            notes=body.notes,
            request=request,
        )
    except JempolError as exc:
        raise ApiError(400, "refused", *bilingual(str(exc))) from None
    except AccessDenied as exc:
        raise ApiError(403, "forbidden", *bilingual(str(exc))) from None
    return Status(
        201,
        {
            "id": made.pk,
            "desa_code": made.desa.code,
            "date": made.date,
            "documents_issued": made.documents_issued,
        },
    )
