"""Fixtures of the kemitraan tests: service points synced, a clean throttle cache, helpers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from satuanak.kemitraan.models import ServicePoint
from satuanak.kemitraan.services import ikm_service_points_sync


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    # The survey's per-address counter lives in the cache; tests must not share it.
    cache.clear()


@pytest.fixture
def points(reference_data: None) -> dict[str, ServicePoint]:
    ikm_service_points_sync()
    return {p.code: p for p in ServicePoint.objects.all()}


def answers(values: list[int]) -> dict[str, Any]:
    return {f"U{i + 1}": v for i, v in enumerate(values)}
