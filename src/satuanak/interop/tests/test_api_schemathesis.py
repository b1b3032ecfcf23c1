"""Schemathesis against our own OpenAPI description: generated requests (valid and not) to every
operation, in-process through the WSGI application, with a steward's token (every capability,
so the operations run past their permission checks) and with none. No answer may be a server
error, and every answer must match what the description says: its status is documented, its
content type and body fit the documented schema. Bounded (a fixed number of examples per
operation, derandomised) so CI time is fixed and a failure reproduces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from satuanak.lapangan.services import device_register
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


def _schema() -> Any:
    """The committed description (docs/api/openapi.json — test_api checks it is the live one),
    called in-process through the WSGI application. Loaded at import, not from a fixture:
    schemathesis's lazy fixture loader does not work with pytest 9."""
    from django.conf import settings as django_conf

    from config.wsgi import application

    path = Path(django_conf.BASE_DIR) / "docs" / "api" / "openapi.json"
    loaded = schemathesis.openapi.from_dict(json.loads(path.read_text(encoding="utf-8")))
    loaded.app = application
    loaded.location = "/api/v1/openapi.json"
    return loaded


@pytest.fixture(autouse=True)
def _in_process(db: None, reference_data: None, django_settings: Any) -> Iterator[None]:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As Django's test client does: the WSGI handler would close the connection at the end of
    # each request, and with it the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def django_settings(settings: Any) -> Any:
    settings.SATUANAK_API_RATE_PER_MINUTE = 1_000_000  # the run makes hundreds of calls a minute
    return settings


@pytest.fixture
def steward_token(personas: dict[str, Any]) -> str:
    desa = Desa.objects.get(code="61.07.01.2001")
    for i in range(3):  # something to list and open
        ChildFactory.create(desa=desa, birth_date=date(2023, 1, 1 + i))
    # A field device's token: it is an API token like any other, and it also opens the field
    # app's operations (/api/v1/lapangan/...), which a plain token is refused.
    return device_register(user=personas["steward"], label="schemathesis")[1]


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_described_with_a_token(case: Any, steward_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {steward_token}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_described_without_a_token(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
