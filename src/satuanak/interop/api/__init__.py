"""The HTTP API, version 1, under /api/v1/ (Django Ninja: the OpenAPI description at
/api/v1/openapi.json is generated from the same schemas that parse each request).

Access works as on the pages, by construction:
- Every operation requires a bearer token (interop/tokens.py) unless it says `auth=None` (the
  public application endpoints and the description itself). The token becomes the request's
  user; `need(request, capability)` checks the role as the page decorators do, and the data is
  read through the same scoped selectors, which write the same audit entries (naming the token).
- Django's gate middleware sees these views marked `api` (access/decorators.py): it lets the
  API authenticate them itself, instead of redirecting to a sign-in page no client can use.
- Errors have one body ({"error": {code, message_id, message_en, details}}, errors.py), and
  every operation documents its error statuses.
- Rate limit: per token (SATUANAK_API_RATE_PER_MINUTE); the public endpoints keep their
  per-address limits.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from satuanak.access.decorators import ACCESS_ATTR, AccessRule
from satuanak.interop.api import adminduk, aggregates, children, errors, exchange, field, writes
from satuanak.interop.api.auth import TokenAuth

DESCRIPTION = """\
API Satu Data Anak Bengkayang. Token: buat di halaman akun (/akun/token/), kirim sebagai
`Authorization: Bearer sda_…`. Token bertindak sebagai penggunanya: peran, wilayah dan log
audit yang sama dengan halaman. / A token acts as its user: the same role, area and audit log
as the pages. Errors: `{"error": {"code", "message_id", "message_en", "details"}}`.
"""

api = NinjaAPI(
    title="Satu Data Anak Bengkayang API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_url="docs/",
    openapi_url="openapi.json",
)
errors.install(api)
api.add_router("", children.router)
api.add_router("", aggregates.router)
api.add_router("", writes.router)
api.add_router("", adminduk.router)
api.add_router("", exchange.router)
api.add_router("", field.router)


def _mark(patterns: list[Any]) -> None:
    rule = AccessRule(kind="api")
    for p in patterns:
        if isinstance(p, URLResolver):
            _mark(p.url_patterns)
        elif isinstance(p, URLPattern):
            setattr(p.callback, ACCESS_ATTR, rule)


def urls() -> tuple[list[Any], str, str]:
    """The API's URL patterns, each marked for the access gate."""
    patterns, app_name, namespace = api.urls
    _mark(patterns)
    return patterns, app_name, namespace
