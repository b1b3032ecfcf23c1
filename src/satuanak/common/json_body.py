"""A JSON document served as bytes built once: the encoded body, the same gzipped, and an ETag.

For documents many users fetch and few events change (the desa boundaries, a flags run's map
figures): encoding and compressing 400 kB of GeoJSON costs a gunicorn thread ~150 ms of CPU with
the GIL held, which every other request of that process waits behind. Built once and kept in the
cache, a request costs a lookup; the ETag lets browsers keep their copy (304)."""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponse


class JsonBody(NamedTuple):
    raw: bytes
    gzipped: bytes
    etag: str


def json_body(data: Any) -> JsonBody:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    # mtime=0: the same document gives the same bytes in every process.
    return JsonBody(
        raw, gzip.compress(raw, compresslevel=6, mtime=0), f'"{hashlib.sha256(raw).hexdigest()[:32]}"'
    )


def json_body_response(request: HttpRequest, body: JsonBody, *, max_age: int) -> HttpResponse:
    """The body as the client can take it: 304 when it has this version, gzipped when it accepts it."""
    raw, gzipped, etag = body
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(gzipped, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(raw, content_type="application/json")
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response
