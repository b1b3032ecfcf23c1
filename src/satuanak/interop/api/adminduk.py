"""Civil registration through the API: a facility's birth declaration (birth operators, with
their token), and the public online application a village website or a WhatsApp service posts
(no token: throttled per address, answers the tracking code and nothing personal)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from satuanak.access.policy import Capability
from satuanak.adminduk.schemas import DeclarationFields
from satuanak.common.messages import bilingual
from satuanak.interop.api.auth import need
from satuanak.interop.api.errors import ERRORS, ApiError, ErrorOut

router = Router(tags=["adminduk / civil registration"])


class AttachmentIn(Schema):
    kind: str = Field(..., max_length=30)
    filename: str = Field(..., max_length=200)
    content_base64: str = Field(..., max_length=8_000_000)


class BirthDeclarationIn(Schema, DeclarationFields):
    attachments: list[AttachmentIn] = Field(
        ..., min_length=1, max_length=10, description="birth_letter and mother_id or father_id are required"
    )


class DeclarationOut(Schema):
    tracking_code: str
    state: str
    warnings: list[str]


def _decoded(items: list[AttachmentIn]) -> dict[str, list[SimpleUploadedFile]]:
    out: dict[str, list[SimpleUploadedFile]] = {}
    for i, item in enumerate(items):
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                400,
                "bad_attachment",
                f"Lampiran ke-{i + 1} bukan base64 yang sah.",
                f"Attachment {i + 1} is not valid base64.",
            ) from None
        try:
            out.setdefault(item.kind, []).append(SimpleUploadedFile(item.filename, data))
        except SuspiciousFileOperation:  # "", "/", ".." — no file name left to keep
            raise ApiError(
                400,
                "bad_attachment",
                f"Nama berkas lampiran ke-{i + 1} tidak sah.",
                f"The file name of attachment {i + 1} is not valid.",
            ) from None
    return out


@router.post(
    "kelahiran/", response={201: DeclarationOut, **ERRORS}, summary="Declare a birth (birth operators)"
)
def birth_declaration(request: HttpRequest, body: BirthDeclarationIn) -> Status:
    from satuanak.adminduk.services import DeclarationError, DeclarationInput, declaration_create

    user = need(request, Capability.DECLARE_BIRTHS)
    fields = body.dict(exclude={"attachments"})
    try:
        declaration = declaration_create(
            user=user,
            data=DeclarationInput(**fields),
            attachments=_decoded(body.attachments),
            request=request,
        )
    except DeclarationError as exc:
        messages = exc.args[0] if exc.args and isinstance(exc.args[0], list) else [str(exc)]
        pairs = [bilingual(str(m)) for m in messages]
        raise ApiError(
            403 if exc.__class__.__name__ == "AdmindukPermissionError" else 400,
            "refused",
            " ".join(p[0] for p in pairs),
            " ".join(p[1] for p in pairs),
            [{"message_id": a, "message_en": b} for a, b in pairs],
        ) from None
    return Status(
        201,
        {
            "tracking_code": declaration.tracking_code,
            "state": declaration.state,
            "warnings": [str(w) for w in (declaration.warnings or [])],
        },
    )


# --- the public online application ------------------------------------------------------------------

_APPLICATION_FIELDS = {
    "applicant_name": {"type": "string", "maxLength": 200},
    "applicant_phone": {"type": "string", "maxLength": 30},
    "child_name": {"type": "string", "maxLength": 200},
    "child_sex": {"type": "string", "enum": ["L", "P"]},
    "child_birth_date": {"type": "string", "format": "date"},
    "mother_name": {"type": "string", "maxLength": 200},
    "child_nik": {"type": "string", "maxLength": 16},
    "desa_code": {"type": "string", "maxLength": 13},
    "requested": {"type": "array", "items": {"type": "string", "enum": ["akta", "kia", "kk"]}, "maxItems": 3},
    "channel": {"type": "string", "enum": ["api", "village_website", "whatsapp"]},
}
_APPLICATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["applicant_name", "applicant_phone", "child_name", "requested"],
                    "properties": _APPLICATION_FIELDS
                    | {
                        "attachments": {
                            "type": "array",
                            "maxItems": 10,
                            "items": {
                                "type": "object",
                                "required": ["kind", "filename", "content_base64"],
                                "properties": {
                                    "kind": {"type": "string"},
                                    "filename": {"type": "string"},
                                    "content_base64": {"type": "string", "format": "byte"},
                                },
                            },
                        }
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": _APPLICATION_FIELDS,
                    "description": "files as attachment_<kind> (several per kind allowed)",
                }
            },
        },
    }
}


class ApplicationCreated(Schema):
    tracking_code: str
    status: str


class ApplicationStatus(Schema):
    tracking_code: str
    status: str
    status_label: str
    requested: list[str]
    received_on: str
    updated_on: str
    reason: str
    can_resubmit: bool


@router.post(
    "permohonan/",
    auth=None,
    response={
        201: ApplicationCreated,
        400: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    openapi_extra=_APPLICATION_BODY,
    summary="Apply for a child's documents (public; throttled per address)",
)
def application_create_view(request: HttpRequest, response: HttpResponse) -> Any:
    from satuanak.applications.services import (
        ApplicationError,
        application_create,
        create_blocked,
        create_record,
        refusal_log_once,
    )
    from satuanak.audit.services import client_ip
    from satuanak.web.applications_views import API_CHANNELS, TOO_MANY_CREATE, api_payload

    ip = client_ip(request)
    if create_blocked(ip):
        refusal_log_once(ip=ip, what="create", request=request)
        raise ApiError(429, "too_many_requests", *bilingual(TOO_MANY_CREATE))
    try:
        fields, files = api_payload(request)
        channel = str(fields.pop("channel"))
        if channel not in API_CHANNELS:
            raise ApplicationError(
                "bad_channel",
                f"Saluran harus salah satu dari {', '.join(API_CHANNELS)}.",
                f"The channel must be one of {', '.join(API_CHANNELS)}.",
            )
        requested = fields.pop("requested")
        application = application_create(
            channel=channel,
            attachments=files,
            requested=[str(r) for r in requested],
            request=request,
            **fields,
        )
    except RequestDataTooBig:
        raise ApiError(
            413,
            "too_large",
            "Isi permintaan terlalu besar; kirim berkas sebagai multipart/form-data.",
            "The body is too large; send files as multipart/form-data.",
        ) from None
    except ApplicationError as exc:
        status = 415 if exc.code == "unsupported_media_type" else 400
        raise ApiError(status, exc.code, exc.message_id, exc.message_en) from None
    create_record(ip)
    response["Location"] = reverse(
        "api-v1:application-status", kwargs={"tracking_code": application.code_display}
    )
    return Status(201, {"tracking_code": application.code_display, "status": application.state})


@router.get(
    "permohonan/{tracking_code}/",
    auth=None,
    response={200: ApplicationStatus, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    url_name="application-status",
    summary="An application's state by its tracking code (nothing personal)",
)
def application_status_view(request: HttpRequest, response: HttpResponse, tracking_code: str) -> Any:
    from satuanak.applications.services import (
        application_by_code,
        application_public_status,
        lookup_blocked,
        lookup_unknown_record,
        refusal_log_once,
    )
    from satuanak.audit.services import client_ip
    from satuanak.web.applications_views import TOO_MANY_LOOKUP

    ip = client_ip(request)
    if lookup_blocked(ip):
        refusal_log_once(ip=ip, what="lookup", request=request)
        raise ApiError(429, "too_many_requests", *bilingual(TOO_MANY_LOOKUP))
    application = application_by_code(tracking_code[:40])
    if application is None:
        lookup_unknown_record(ip)
        raise ApiError(404, "not_found", "Kode lacak tidak dikenal.", "Unknown tracking code.")
    response["Cache-Control"] = "no-store"
    return application_public_status(application)
