"""One error body for every failure of the API, whatever raised it:

    {"error": {"code": "...", "message_id": "<Bahasa Indonesia>", "message_en": "...", "details": [...]}}

with a 4xx status. The same shape the application endpoint has always answered with, so a
client handles errors in one place. A 500 is never part of the contract: an unexpected
exception is logged and answered as a 500 with this body, and the Schemathesis run in CI fails
on any 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

logger = logging.getLogger(__name__)


class ErrorDetail(Schema):
    code: str
    message_id: str
    message_en: str
    details: list[dict[str, Any]] = []


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message_id: str,
        message_en: str,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details = details or []


# The statuses an operation may answer with besides its success; every operation documents
# them, so a client (and Schemathesis) knows the error shape of each.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def _body(code: str, message_id: str, message_en: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {
        "error": {
            "code": code,
            "message_id": message_id,
            "message_en": message_en,
            "details": details or [],
        }
    }


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Pydantic's errors carry the offending input and sometimes an exception object: keep only
    # where and what, as plain text (an input may be a child's name: not echoed back).
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "type": str(e.get("type", "")),
            "msg": str(e.get("msg", "")),
        }
        for e in errors[:50]
    ]


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        response["Cache-Control"] = "no-store"
        return response

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, _body(exc.code, exc.message_id, exc.message_en, exc.details))

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(
            request,
            422,
            _body(
                "invalid",
                "Isi permintaan tidak sah; lihat rincian.",
                "The request is not valid; see the details.",
                _validation_details(list(exc.errors)),
            ),
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request,
            401,
            _body(
                "unauthenticated",
                "Token tidak ada, tidak dikenal, kedaluwarsa atau dicabut.",
                "The token is missing, unknown, expired or revoked.",
            ),
        )
        response["WWW-Authenticate"] = 'Bearer realm="satuanak"'
        return response

    @api.exception_handler(Throttled)
    def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return respond(
            request,
            429,
            _body(
                "too_many_requests", "Terlalu banyak permintaan; coba lagi sebentar.", "Too many requests."
            ),
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, _body("not_found", "Tidak ditemukan.", "Not found."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(
            request, 403, _body("forbidden", "Peran Anda tidak berhak.", "Your role may not do this.")
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja's own (e.g. a body it cannot parse as JSON): a client error with our shape.
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        return respond(
            request, status, _body("bad_request", "Permintaan tidak dapat dibaca.", str(exc.message))
        )

    @api.exception_handler(MultiPartParserError)
    def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return respond(
            request,
            400,
            _body(
                "bad_multipart",
                "Isi multipart/form-data tidak dapat dibaca (batas/boundary?).",
                "The multipart/form-data body cannot be read (boundary?).",
            ),
        )

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(
            request,
            413,
            _body("too_large", "Isi permintaan terlalu besar.", "The request body is too large."),
        )

    @api.exception_handler(DataError)
    def _unstorable(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value the schemas let through (out of range, a character it
        # cannot store): the client's input, not our fault — and everything was rolled back.
        logger.warning("API DataError on %s %s: %s", request.method, request.path, exc)
        return respond(
            request,
            400,
            _body("unstorable_value", "Ada nilai yang tidak dapat disimpan.", "A value cannot be stored."),
        )

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(
            request,
            500,
            _body(
                "server_error", "Terjadi kesalahan di server; sudah dicatat.", "Server error; it was logged."
            ),
        )
