"""The home map and the account pages run under the Content-Security-Policy in a real browser
(Debian's chromium): a violation shows up as a console error and a `securitypolicyviolation` event."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from satuanak.accounts.models import User
from satuanak.accounts.roles import Role
from satuanak.accounts.tests.conftest import PASSWORD
from satuanak.common.chromium import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API runs an event loop in this thread; see web/tests/conftest.py.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} tidak ada / is missing (`make chromium`)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_pages_raise_no_csp_violation(
    browser: Browser, live_server: object, transactional_db: None, reference_data: None
) -> None:
    User.objects.create_user(username="petugas", password=PASSWORD, role=Role.HEALTH_OFFICER)
    base = str(live_server.url)  # type: ignore[attr-defined]
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    page.goto(base + "/")
    page.wait_for_selector("#peta[data-state=ready]")
    assert page.locator(".leaflet-overlay-pane path").count() > 0

    page.goto(base + "/masuk/")
    page.fill("#id_username", "petugas")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_selector("#peta[data-state=ready]")
    page.goto(base + "/akun/2fa/")
    assert page.locator("[data-testid=totp-qr] svg").count() == 1
    context.close()
    assert violations == []
