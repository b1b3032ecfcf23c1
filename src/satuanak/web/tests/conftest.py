"""Fixtures for the web tests: the real reference data (17 kecamatan, 124 desa) and demo users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, sync_playwright

from satuanak.common.chromium import CHROMIUM, CHROMIUM_ARGS
from satuanak.demo.services import demo_users_create
from satuanak.facilities.services import facilities_load_from_files
from satuanak.governance.services import demo_agreements_load
from satuanak.regions.services import regions_load_from_files

# Playwright's sync API runs an asyncio event loop in the test thread. Django sees that running
# loop and refuses ORM calls from the same thread (SynchronousOnlyOperation), although nothing
# here is actually async: the browser tests' fixtures and assertions touch the database between
# Playwright calls. Allowing it is safe in tests; never set this in a server process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _load_reference() -> None:
    regions_load_from_files(data_dir=settings.SATUANAK_DATA_DIR)
    facilities_load_from_files(data_dir=settings.SATUANAK_DATA_DIR)
    demo_agreements_load()  # without an agreement in force nobody reads personal data (ADR 0007)


@pytest.fixture
def reference_data(db: None) -> None:
    """Kecamatan, desa with boundaries, puskesmas, posyandu and schools from data/."""
    _load_reference()


@pytest.fixture
def demo_users(reference_data: None) -> None:
    demo_users_create()


@pytest.fixture
def live_reference_data(transactional_db: None) -> None:
    """The same data for live_server tests, which need committed rows (another thread serves them)."""
    _load_reference()
    demo_users_create()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium. Missing, the browser tests FAIL rather than skip: a skipped browser
    test would let a broken page pass CI unnoticed."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} tidak ada; pasang dengan `apt-get install chromium` / "
        f"{CHROMIUM} is missing; install it with `apt-get install chromium`"
    )
    with sync_playwright() as playwright:
        b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    p = context.new_page()
    p.set_default_timeout(30_000)
    yield p
    context.close()


def choose_purpose(page: Any, base: str, code: str = "layanan") -> None:
    """Choose the session's purpose as staff do once after signing in (access/purpose.py)."""
    page.goto(f"{base}/tujuan/")
    page.check(f"input[name=tujuan][value={code}]")
    page.click("[data-testid=purpose-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
