"""The incident log in a real browser: the data steward records an incident through the form and
sees its 72-hour notification deadline; recording the institution's notice marks it in time."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from satuanak.demo.services import DEMO_PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser


def test_record_an_incident_and_its_notice(
    page: Page, live_server: object, live_reference_data: None
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.goto(base + "/masuk/")
    page.fill("#id_username", "steward")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")
    page.goto(base + "/tata-kelola/insiden/")
    found = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form = page.locator("[data-testid=incident-form]")
    form.locator("input[name=diketahui]").fill(found)
    form.locator("input[name=judul]").fill("Ekspor dikirim ke alamat surel yang salah")
    form.locator("input[name=anak]").fill("37")
    form.locator("input[name=jenis][value=identity]").check()
    form.locator("input[name=sumber][value=siak]").check()
    form.locator("textarea[name=uraian]").fill("Berkas daftar anak satu desa terkirim ke pihak luar.")
    form.get_by_role("button").click()
    row = page.locator("[data-testid=incidents] tr[data-incident]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("37")
    expect(row).to_contain_text("belum / not yet")
    page.locator("select[name=kepada]").select_option("authority")
    page.locator("input[name=waktu]").fill(timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Catat pemberitahuan / record notice").click()
    expect(page.locator("[data-testid=incidents] tr[data-incident]")).to_contain_text("tepat waktu / in time")
    if shots := os.environ.get("SATUANAK_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "incidents.png"), full_page=True)
