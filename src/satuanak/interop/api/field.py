"""The field app's side of the API (/api/v1/lapangan/...): what a registered phone calls (lapangan/).

Every call needs the device's own token. A revoked device is answered 410 `device_revoked`
(not 401): that answer is the phone's order to delete everything it holds. Any other bad token
is a plain 401, on which the phone keeps its data (an expired token must not destroy a day's
unsent weighings) and asks its user to sign in again.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from satuanak.access.policy import Capability, policy_for
from satuanak.access.selectors import desa_visible_to
from satuanak.accounts.roles import Role
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common.messages import bilingual
from satuanak.facilities.models import Posyandu
from satuanak.interop.api.auth import TokenAuth, purpose_check
from satuanak.interop.api.errors import ERRORS, ApiError, ErrorOut
from satuanak.lapangan import rules, services
from satuanak.lapangan.models import Device, SyncRecord
from satuanak.lapangan.selectors import children_for_device

router = Router(tags=["lapangan / field app"])

FIELD_ERRORS: dict[int, Any] = {**ERRORS, 410: ErrorOut}


class DeviceAuth(TokenAuth):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is None:
            if services.device_revoked_for(token.strip()) is not None:
                raise ApiError(
                    410,
                    "device_revoked",
                    "Perangkat ini telah dicabut; semua data di perangkat dihapus.",
                    "This device has been revoked; all data on it is being deleted.",
                )
            return None
        device = services.device_of_token(request.satuanak_api_token_id)  # type: ignore[attr-defined]
        if device is None:
            raise ApiError(
                403,
                "not_a_device",
                "Token ini bukan token perangkat lapangan; daftarkan perangkat di /lapangan/.",
                "This token is not a field device's; register the device at /lapangan/.",
            )
        # Every device call reads or writes children's data of the user's area: the token's
        # purpose must be one an agreement in force allows, as for any personal-data request.
        purpose_check(request, user)
        queued = request.headers.get("X-Outbox")
        services.device_contact(
            device,
            queued=int(queued) if queued and queued.isdigit() else None,
            app_version=request.headers.get("X-App-Version", "")[:40],
        )
        request.satuanak_device = device  # type: ignore[attr-defined]
        return user


auth = DeviceAuth()


def _device(request: HttpRequest) -> Device:
    return request.satuanak_device  # type: ignore[attr-defined]


class RuleOut(Schema):
    code: str
    title_id: str
    title_en: str
    text_id: str
    text_en: str


class DeviceOut(Schema):
    device_id: int
    label: str
    username: str
    role: str
    role_label: str
    forms: list[str] = Field(
        description="measurement, intervention, visit, declaration: what this user records"
    )
    desa: list[dict[str, str]] = Field(description="the desa the user records for (code, name)")
    posyandu: list[dict[str, str]] = Field(description="the posyandu of those desa (name, desa_code)")
    server_time: datetime
    rules: list[RuleOut]


_FORMS = [
    ("measurement", Capability.RECORD_MEASUREMENTS),
    ("intervention", Capability.RECORD_INTERVENTIONS),
    ("visit", Capability.PROCESS_ADMINDUK),
    ("declaration", Capability.DECLARE_BIRTHS),
]


@router.get(
    "lapangan/perangkat/", auth=auth, response={200: DeviceOut, **FIELD_ERRORS}, summary="This device"
)
def device_info(request: HttpRequest) -> dict[str, Any]:
    device = _device(request)
    user = device.user
    caps = policy_for(user.role).capabilities

    try:
        role_label = str(Role(user.role).label)
    except ValueError:
        role_label = user.role
    return {
        "device_id": device.pk,
        "label": device.label,
        "username": user.get_username(),
        "role": user.role,
        "role_label": role_label,
        "forms": [name for name, cap in _FORMS if cap in caps],
        "desa": [
            {"code": code, "name": name}
            for code, name in desa_visible_to(user).order_by("code").values_list("code", "name")[:300]
        ],
        "posyandu": [
            {"name": name, "desa_code": code}
            for name, code in Posyandu.objects.filter(desa__in=desa_visible_to(user))
            .order_by("desa__code", "name")
            .values_list("name", "desa__code")[:2000]
        ],
        "server_time": timezone.now(),
        "rules": [r.__dict__ for r in rules.RULES],
    }


class FieldChild(Schema):
    id: int
    name: str
    sex: str
    birth_date: date | None
    desa_code: str | None
    desa_name: str | None
    mother_name: str


class FieldChildren(Schema):
    count: int
    truncated: bool
    items: list[FieldChild]


class ChildrenQuery(Schema):
    desa: list[str] = Field(
        default_factory=list, max_length=20, description="desa codes (district-wide roles)"
    )


@router.get(
    "lapangan/anak/",
    auth=auth,
    response={200: FieldChildren, **FIELD_ERRORS},
    summary="The children this device may hold (under-fives of the user's area)",
)
def device_children(request: HttpRequest, filters: Query[ChildrenQuery]) -> dict[str, Any]:
    device = _device(request)
    try:
        items, truncated = children_for_device(user=device.user, desa_codes=filters.desa)
    except services.FieldError as exc:
        raise ApiError(400, "choose_desa", *bilingual(str(exc))) from None
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=device.user,
        request=request,
        subject_type="field_device",
        subject_id=device.pk,
        detail={"offline_copy": True, "count": len(items), "desa": filters.desa[:20]},
    )
    return {"count": len(items), "truncated": truncated, "items": items}


class AttachmentOut(Schema):
    client_id: uuid.UUID
    sha256: str
    size: int


_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.put(
    "lapangan/lampiran/{client_id}/",
    auth=auth,
    response={200: AttachmentOut, **FIELD_ERRORS},
    openapi_extra=_RAW_BODY,
    summary="Upload one document photo or scan (raw JPEG, PNG or PDF bytes; header X-Content-SHA256)",
)
def attachment_upload(request: HttpRequest, client_id: uuid.UUID) -> dict[str, Any]:
    device = _device(request)
    try:
        item = services.attachment_store(
            device=device,
            client_id=client_id,
            data=request.body,
            sha256=request.headers.get("X-Content-SHA256", ""),
        )
    except services.FieldError as exc:
        raise ApiError(400, "bad_attachment", *bilingual(str(exc))) from None
    return {"client_id": item.client_id, "sha256": item.sha256, "size": item.size}


class AttachmentRef(Schema):
    client_id: uuid.UUID
    kind: str = Field(..., max_length=30, description="birth_letter, mother_id, father_id, kk, other")


class RecordIn(Schema):
    client_id: uuid.UUID
    seq: int = Field(..., ge=0, le=2**53)
    kind: str = Field(..., max_length=20, description="measurement, intervention, visit, declaration")
    recorded_at: datetime | None = None
    data: dict[str, Any] = Field(..., description="the form's fields (see the services' models)")
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=10)


class SyncIn(Schema):
    records: list[RecordIn] = Field(default_factory=list, max_length=services.MAX_RECORDS)
    ask: list[uuid.UUID] = Field(
        default_factory=list, max_length=services.MAX_RECORDS, description="conflicts the phone still shows"
    )


class AnswerOut(Schema):
    client_id: str
    seq: int
    status: str = Field(
        description="accepted, duplicate, rejected, conflict, kept_server, took_device, waiting, retry"
    )
    message_id: str
    message_en: str
    result: dict[str, Any]
    conflict: dict[str, Any]
    replayed: bool


class SyncOut(Schema):
    results: list[AnswerOut]
    updates: list[AnswerOut]
    server_time: datetime


@router.post(
    "lapangan/sinkron/",
    auth=auth,
    response={200: SyncOut, **FIELD_ERRORS},
    summary="Send queued records (idempotent by client_id, applied in seq order)",
)
def sync(request: HttpRequest, body: SyncIn) -> Status:
    device = _device(request)
    incoming = [
        services.Incoming(
            client_id=r.client_id,
            seq=r.seq,
            kind=r.kind,
            data=r.data,
            recorded_at=r.recorded_at,
            attachments=[{"client_id": str(a.client_id), "kind": a.kind} for a in r.attachments],
        )
        for r in body.records
    ]
    try:
        answers = services.sync_records(device=device, records=incoming, request=request)
    except services.FieldError as exc:
        raise ApiError(400, "refused", *bilingual(str(exc))) from None
    updates = services.updates_for(device, body.ask)
    # The outbox the phone reported before this request, less what this request settled: what
    # the devices page shows until the next contact.
    queued = request.headers.get("X-Outbox", "")
    if queued.isdigit():
        settled = sum(1 for a in answers if a.status not in ("waiting", "retry"))
        services.device_contact(device, queued=max(0, int(queued) - settled))
    return Status(
        200,
        {
            "results": [a.as_dict() for a in answers],
            "updates": [a.as_dict() for a in updates if a.status != SyncRecord.Status.CONFLICT],
            "server_time": timezone.now(),
        },
    )
