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


def test_purpose_first_then_an_agreement_through_the_form(
    page: Page, live_server: object, live_reference_data: None, tmp_path: Path, settings: object
) -> None:
    """A first look at children goes through the purpose page and back; the header then names the
    purpose. The steward records a PKS with its signed PDF; it lapses within 30 days, so the
    warning shows on every page."""
    from satuanak.persons.tests.factories import ChildFactory

    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    ChildFactory.create(name="ANAK TUJUAN")
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.goto(base + "/masuk/")
    page.fill("#id_username", "steward")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")
    page.goto(base + "/anak/")
    expect(page).to_have_url(base + "/tujuan/?next=%2Fanak%2F")
    if shots := os.environ.get("SATUANAK_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "purpose.png"), full_page=True)
    page.check("input[name=tujuan][value=verifikasi]")
    page.click("[data-testid=purpose-form] button[type=submit]")
    expect(page).to_have_url(base + "/anak/")
    expect(page.locator("[data-testid=purpose-now]")).to_contain_text("Verifikasi")
    expect(page.get_by_text("ANAK TUJUAN")).to_have_count(1)

    page.goto(base + "/tata-kelola/perjanjian/")
    form = page.locator("[data-testid=agreement-form]")
    form.locator("input[name=nomor]").fill("PKS/UJI-PERAMBAN/2025")
    form.locator("input[name=judul]").fill("PKS data gizi Dinkes - Diskominfo")
    form.locator("select[name=jenis]").select_option("pks")
    form.locator("input[name=dasar]").fill("UU 27/2022 (UNVERIFIED)")
    form.locator("select[name=pihak]").select_option(label="Dinas Kesehatan dan KB Kabupaten Bengkayang")
    form.locator("input[name=sumber][value=eppgbm]").check()
    form.locator("input[name=tujuan][value=layanan]").check()
    today = timezone.localdate()
    form.locator("input[name=mulai]").fill(str(today - timedelta(days=30)))
    form.locator("input[name=sampai]").fill(str(today + timedelta(days=20)))
    pdf = tmp_path / "pks-ditandatangani.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    form.locator("input[name=dokumen]").set_input_files(str(pdf))
    form.locator("button[type=submit]").click()
    row = page.locator('[data-testid=agreements] tr[data-agreement="PKS/UJI-PERAMBAN/2025"]')
    expect(row).to_have_attribute("data-state", "lapsing")
    expect(row).to_contain_text("pks-ditandatangani.pdf")
    expect(page.locator("[data-testid=governance-warning]")).to_contain_text("PKS/UJI-PERAMBAN/2025")
    if shots := os.environ.get("SATUANAK_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "agreements.png"), full_page=True)

    # The steward's own look at the list, under "verifikasi", is in the per-agency report.
    page.goto(base + "/tata-kelola/akses-per-tujuan/")
    look = page.locator(
        '[data-testid=purpose-detail] tr[data-purpose=verifikasi][data-action="child_list_viewed"]'
    )
    expect(look).to_contain_text("Diskominfo")
    if shots := os.environ.get("SATUANAK_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "purpose-report.png"), full_page=True)
