"""The planned quarter on the map in a real browser (Debian's chromium): the planned desa are
numbered in visit order and no script is refused by the Content-Security-Policy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from satuanak.common.chromium import CHROMIUM, CHROMIUM_ARGS
from satuanak.demo.services import DEMO_PASSWORD, demo_users_create
from satuanak.jempol.tests.conftest import CASE, EXPECTED_ORDER, aggregate

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see web/tests/conftest.py
pytestmark = pytest.mark.browser


@pytest.fixture
def live_gaps(transactional_db: None, reference_data: None) -> None:
    demo_users_create()
    for desa_code, (akta, kia, of) in CASE.items():
        aggregate("no_akta", desa_code, akta, of)
        aggregate("no_kia", desa_code, kia, of)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing; install it with `apt-get install chromium`"
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


def test_the_plan_on_the_map(page: Page, live_server: Any, live_gaps: None) -> None:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    base = live_server.url
    page.goto(base + "/masuk/")
    page.fill("#id_username", "dukcapil")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")
    page.goto(base + "/jempol/?hari=12")
    page.wait_for_selector(".jempol-num")
    page.wait_for_function(f"document.querySelectorAll('.jempol-num').length === {len(EXPECTED_ORDER)}")
    numbers = page.eval_on_selector_all(".jempol-num", "els => els.map(e => e.textContent)")
    assert sorted(numbers, key=int) == [str(i) for i in range(1, len(EXPECTED_ORDER) + 1)]
    assert page.locator(".jempol-num.p1").count() >= 1
    # every desa drawn, the four planned ones filled
    assert page.locator("#jempol-peta path.leaflet-interactive").count() >= 124
    assert "prioritas" in page.inner_text("#jempol-legenda")
    assert page.inner_text("#jempol-status") == ""
    assert refused == []
