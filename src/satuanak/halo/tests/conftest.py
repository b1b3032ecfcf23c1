"""Fixtures of the Halo Remaja tests: the demo personas (pkm_sungai_duri and pkm_samalantan
counsel, dinkes supervises), the service units, a shift helper and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from satuanak.halo.models import Shift
from satuanak.halo.selectors import now


@pytest.fixture
def units(personas: dict[str, Any]) -> dict[str, int]:
    from satuanak.referrals.services import service_units_load

    return service_units_load()


@pytest.fixture
def put_on_duty(personas: dict[str, Any]) -> Callable[[str], Shift]:
    """put_on_duty("pkm_sungai_duri"): a shift covering now, set by the supervisor."""

    def make(username: str, *, hours_before: float = 1, hours_after: float = 4) -> Shift:
        at = now()
        return Shift.objects.create(
            counsellor=personas[username],
            starts_at=at - timedelta(hours=hours_before),
            ends_at=at + timedelta(hours=hours_after),
            created_by=personas["dinkes"],
            created_at=at,
        )

    return make


@pytest.fixture
def client_for(personas: dict[str, Any]) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(personas[username])
        return client

    return make
