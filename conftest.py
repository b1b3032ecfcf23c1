"""Fixtures shared by every app's tests.

Reference data (17 kecamatan, 124 desa, facilities) is loaded once per test session into the
test database, so `db` tests see Bengkayang as it is. Tests that use `transactional_db`
(browser tests with a live server) have their tables flushed afterwards, so they load it again
through the `reference_data` fixture; pytest-django runs those after the plain `db` tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


def _load_reference() -> None:
    from satuanak.facilities.services import facilities_load_from_files
    from satuanak.regions.services import regions_load_from_files

    data_dir = Path(settings.SATUANAK_DATA_DIR)
    regions_load_from_files(data_dir=data_dir)
    facilities_load_from_files(data_dir=data_dir)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        _load_reference()
    yield


@pytest.fixture
def reference_data(db: None) -> None:
    """Make sure reference data is present (idempotent; needed after a transactional flush)."""
    from satuanak.regions.models import Desa

    if Desa.objects.count() < 124:
        _load_reference()


@pytest.fixture
def data_dir() -> Path:
    return Path(settings.SATUANAK_DATA_DIR)
