"""The home map and the login form in a real browser (Debian's chromium driven by Playwright).

Needs /usr/bin/chromium (`make chromium` or `apt-get install chromium`). If it is missing the
tests FAIL rather than skip: a skipped browser test would let a broken map pass CI unnoticed.
The module-level DJANGO_ALLOW_ASYNC_UNSAFE is set in conftest.py (see the comment there).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from satuanak.demo.services import DEMO_PASSWORD

# Also set here so this module is safe even if run without the package conftest (it is loaded
# first anyway); see conftest.py for why Playwright's sync API needs it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


def _desa_paths(page: Page) -> int:
    return page.locator(".leaflet-overlay-pane path").count()


def test_home_map_filter_and_login(page: Page, live_server: object, live_reference_data: None) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(base + "/")
    page.wait_for_selector("#peta[data-state=ready]")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(124)
    # No tile layer: the boundaries alone are the map.
    assert page.locator(".leaflet-tile").count() == 0

    # Filtering to one kecamatan reloads only its desa.
    page.select_option("#pilih-kecamatan", "61.07.01")
    expect(page.locator("#peta")).to_have_attribute("data-features", "5")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(5)
    assert _desa_paths(page) < 124
    expect(page.locator('#tabel-kecamatan tr.selected[data-kecamatan="61.07.01"]')).to_have_count(1)

    # Back to the whole district.
    page.select_option("#pilih-kecamatan", "")
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(124)

    # Log in through the form; the header then shows the role and area.
    page.click("text=Masuk")
    page.fill("#id_username", "pkm_sungai_duri")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    badge = page.locator("[data-testid=user-badge]")
    expect(badge).to_contain_text("Petugas puskesmas")
    expect(badge).to_contain_text("Wilayah kerja Puskesmas Sungai Duri")
    page.wait_for_selector("#peta[data-state=ready]")

    # Every request went to the test server: no CDN, no tiles, no fonts from elsewhere.
    assert requested
    outside = [url for url in requested if urlsplit(url).hostname not in {"127.0.0.1", "localhost"}]
    assert outside == []


def test_wrong_password_shows_indonesian_message(
    page: Page, live_server: object, live_reference_data: None
) -> None:
    page.goto(str(live_server.url) + "/masuk/")  # type: ignore[attr-defined]
    page.fill("#id_username", "bappeda")
    page.fill("#id_password", "bukan-kata-sandinya")
    page.press("#id_password", "Enter")
    expect(page.locator(".alert")).to_contain_text("Nama pengguna atau kata sandi salah")
    expect(page.locator(".alert")).to_contain_text("Wrong username or password")
