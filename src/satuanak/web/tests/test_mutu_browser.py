"""Issue 17 in a real browser: the dashboard shows the three stunting figures side by side with
the explanation; the quality page shows the planted defects, and a cadre training recorded there
appears in the before/after view. Debian's chromium driven by Playwright (fails if missing)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from satuanak.core.sources import Source
from satuanak.demo.services import DEMO_PASSWORD
from satuanak.flags.services import flags_recompute
from satuanak.imports.services import import_file_run
from satuanak.linkage.services import linkage_run
from satuanak.mutu.services import mutu_recompute
from satuanak.mutu.tests.planted import plant

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = pytest.mark.browser
AS_OF = date(2024, 12, 31)


def test_dashboard_and_quality_page(
    page: Page, live_server: object, live_reference_data: None, tmp_path: Path
) -> None:
    planted = plant(tmp_path, Path(settings.SATUANAK_DATA_DIR))
    import_file_run(source=Source.EPPGBM, path=planted.path)
    linkage_run(as_of=AS_OF)
    flags_recompute(as_of=AS_OF)
    mutu_recompute(as_of=AS_OF)
    base = str(live_server.url)  # type: ignore[attr-defined]

    # The public dashboard: the three figures and the survey, each a bar, with the explanation.
    page.goto(base + "/")
    panel = page.locator("[data-testid=stunting-three]")
    expect(panel).to_contain_text("2024Q4")
    for key in ("weighed", "adjusted", "quality", "survey"):
        expect(panel.locator(f"[data-testid=mutu-figure-{key}] .mq-fill")).to_have_count(1)
    expect(panel.locator("[data-testid=stunting-explanation]")).to_contain_text("SSGI 2022")
    expect(panel.locator("[data-testid=stunting-explanation]")).to_contain_text("perkiraan")
    # the anonymous public gets no link to the staff page
    expect(panel.get_by_role("link")).to_have_count(0)
    if shots := os.environ.get("SATUANAK_SCREENSHOTS"):
        panel.screenshot(path=str(Path(shots) / "mutu-dashboard.png"))

    page.goto(base + "/masuk/")
    page.fill("#id_username", "dinkes")
    page.fill("#id_password", DEMO_PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(base + "/")
    # signed in with aggregates: the dashboard links to the details
    expect(page.locator("[data-testid=stunting-three]").get_by_role("link")).to_have_count(1)
    page.goto(base + "/mutu/?periode=2024Q4")
    cell = page.locator(f'[data-testid=mutu-quality-table] tr[data-key="{planted.rounding}"] td.mq.fail')
    expect(cell).to_have_count(1)
    assert "dibulatkan" in (cell.get_attribute("title") or "")
    low_desa = planted.desa[planted.low_coverage]
    low_row = page.locator(f'[data-testid=mutu-coverage-desa] tr[data-desa="{low_desa}"]')
    expect(low_row.locator("td.mq.fail")).to_have_count(1)
    attention = page.locator("[data-testid=mutu-attention]")
    expect(attention.locator(f'tr[data-posyandu="{planted.rounding}"]')).to_have_count(1)
    if shots := os.environ.get("SATUANAK_SCREENSHOTS"):
        page.screenshot(path=str(Path(shots) / "mutu-page.png"), full_page=True)

    # Record the refresher training the list calls for; it shows in the before/after view.
    form = page.locator("[data-testid=mutu-training-form]")
    form.locator("select[name=posyandu]").select_option(planted.rounding)
    form.locator("input[name=tanggal]").fill("2024-11-20")
    form.locator("input[name=materi]").fill("Membaca papan ukur")
    form.locator("input[name=peserta]").fill("6")
    form.get_by_role("button").click()
    trainings = page.locator("[data-testid=mutu-trainings]")
    expect(trainings).to_contain_text("Membaca papan ukur")
    expect(trainings).to_contain_text("2024Q3")
    expect(page.locator("[role=status]")).to_contain_text("Pelatihan kader dicatat")
