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
    from satuanak.governance.services import demo_agreements_load
    from satuanak.regions.services import regions_load_from_files

    data_dir = Path(settings.SATUANAK_DATA_DIR)
    regions_load_from_files(data_dir=data_dir)
    facilities_load_from_files(data_dir=data_dir)
    # The example umbrella agreement: without one in force nobody reads personal data (ADR 0007).
    demo_agreements_load()


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


# Named personas (Zulip's habit): permission tests read like the brief's role table.
# The demo users are one per role; three more make the area rules testable.
EXTRA_PERSONAS: dict[str, tuple[str, str, str]] = {
    # name: (role, area_level, area) — area is a kecamatan code or a puskesmas name
    "ppa_sungai_raya": ("protection_officer", "kecamatan", "61.07.01"),
    "pkm_samalantan": ("puskesmas_staff", "desa", "Puskesmas Samalantan"),
    "kader_samalantan": ("cadre", "desa", "Puskesmas Samalantan"),
}


@pytest.fixture
def personas(db: None) -> dict[str, Any]:
    """username -> User for every demo role plus EXTRA_PERSONAS."""
    from satuanak.accounts.models import User
    from satuanak.demo.services import demo_users_create
    from satuanak.facilities.models import HealthFacility
    from satuanak.regions.models import Kecamatan

    users: dict[str, Any] = {
        login.username: User.objects.get(username=login.username) for login in demo_users_create()
    }
    for name, (role, level, area) in EXTRA_PERSONAS.items():
        kecamatan = Kecamatan.objects.get(code=area) if level == "kecamatan" else None
        user = User.objects.create_user(
            username=name,
            password="unused-in-tests-123",
            role=role,
            area_level=level,
            area_kecamatan=kecamatan,
        )
        if level == "desa":
            user.area_desa.set(HealthFacility.objects.get(name=area).service_area.all())
        users[name] = user
    return users


@pytest.fixture(autouse=True)
def _staging_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test stages import rows in its own folder: batch ids repeat between tests once their
    transactions roll back, and a file left by one test must not be read by another."""
    settings.SATUANAK_STAGING_DIR = tmp_path_factory.mktemp("staging")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Cached map data is keyed by the last flags run's id, and ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that restart the PostgreSQL server go last (after pytest-django's own reordering):
    a restart ends every connection open at that moment, and a connection a later test or fixture
    still holds would fail it for a reason that is not its own."""
    restarting = [item for item in items if item.get_closest_marker("restarts_database")]
    if restarting:
        items[:] = [item for item in items if item not in restarting] + restarting


# The purpose a signed-in test session works under (access/purpose.py). A person chooses it once
# per session on /tujuan/; a test that signs in with `client.force_login` gets this one, as if it
# had, unless it is marked `no_session_purpose` (the tests of the purpose gate itself).
TEST_SESSION_PURPOSE = "layanan"


@pytest.fixture(autouse=True)
def _session_purpose(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("no_session_purpose"):
        return
    from django.test.client import ClientMixin

    original = ClientMixin._login  # type: ignore[attr-defined]  # private, stable since Django 1.9

    def login_with_purpose(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        session = self.session
        session["satuanak_purpose"] = TEST_SESSION_PURPOSE
        session.save()

    monkeypatch.setattr(ClientMixin, "_login", login_with_purpose)
