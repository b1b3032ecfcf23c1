"""A request id on every request and one log line per request (ops/logging.py)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from satuanak.ops.logging import request_id_set

logger = logging.getLogger("satuanak.request")

# nginx sets X-Request-ID from its $request_id (docs/deploy.md) so its access log and ours share
# it; anything else a client sends is replaced, so a log cannot be fed arbitrary text.
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        request_id_set(request_id)
        started = time.perf_counter()
        # Not reset at the end: Django logs a 4xx/5xx after the middleware has returned, and that
        # line belongs to this request too. The next request on this thread sets its own.
        response = self.get_response(request)
        response[HEADER] = request_id
        # The user as already loaded by the request, if it was: asking request.user here
        # would query the database, which may be what just failed.
        user = getattr(request, "_cached_user", None)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response
