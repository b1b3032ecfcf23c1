"""Screenshots of the field app for the README, made the way a phone uses it:

    .venv/bin/python tools/lapangan_screenshots.py

A scratch database (var/screenshots-lapangan/) with the reference data, the demo users and a few
under-fives; a live server in this process; the bidan's phone (Chromium, 420 px wide) records
offline, then syncs while another phone has sent a different weight for one of the children.
Writes docs/screenshots/lapangan-offline.png, lapangan-synced.png, lapangan-conflicts.png and
lapangan-devices.png.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import sync as bench  # noqa: E402 - bench/sync.py: the same scratch set-up and live server

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    bench.WORK = ROOT / "var" / "screenshots-lapangan"
    bench._setup_django()
    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    from satuanak.accounts.models import User
    from satuanak.common.chromium import CHROMIUM, CHROMIUM_ARGS
    from satuanak.demo.services import DEMO_PASSWORD
    from satuanak.facilities.models import Posyandu
    from satuanak.lapangan.services import Incoming, device_register, sync_records
    from satuanak.lapangan.tests.browser import document_photo, go_offline, go_online, launch, register

    children = bench._children(12)
    server = bench._server()
    base = f"http://localhost:{server.port}"
    posyandu = Posyandu.objects.filter(desa__code="61.07.01.2001").order_by("code").first()
    today = timezone.localdate()
    try:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
            context = launch(pw, Path(profile))
            page = context.pages[0] if context.pages else context.new_page()
            register(page, base, "pkm_sungai_duri", DEMO_PASSWORD, "HP bidan Sungai Duri")
            go_offline(context)
            form = page.locator("form[data-form=measurement]")
            for child, weight, height in ((children[0], "9,2", "76,5"), (children[1], "10,4", "80")):
                form.locator("select.pilih-anak").select_option(str(child.pk))
                form.locator("input[name=measurement_date]").fill((today - timedelta(days=1)).isoformat())
                form.locator("input[name=weight_kg]").fill(weight)
                form.locator("input[name=height_cm]").fill(height)
                form.locator("select[name=position]").select_option("lying")
                if posyandu:
                    form.locator("select[name=posyandu]").select_option(posyandu.name)
                form.locator("button[type=submit]").click()
            page.locator("details[data-form=declaration] summary").click()
            d = page.locator("form[data-form=declaration]")
            d.locator("input[name=baby_name]").fill("Bayi Contoh")
            d.locator("select[name=baby_sex]").select_option("P")
            d.locator("input[name=birth_at]").fill(
                (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
            )
            d.locator("input[name=birth_place]").fill("Rumah, Sungai Duri")
            d.locator("input[name=weight_g]").fill("3050")
            d.locator("input[name=length_cm]").fill("49")
            from satuanak.core.nik import Nik

            born = today.replace(year=today.year - 28)
            d.locator("input[name=mother_nik]").fill(
                Nik.build(kecamatan_code="61.07.01", birth_date=born, sex="P", serial=41)
            )
            d.locator("input[name=mother_name]").fill("Ibu Contoh")
            d.locator("input[name=mother_not_in_siak]").check()
            d.locator("select[name=desa_code]").select_option("61.07.01.2001")
            photo = {"name": "surat.jpg", "mimeType": "image/jpeg", "buffer": document_photo()}
            d.locator("input[data-kind=birth_letter]").set_input_files(photo)
            d.locator("input[data-kind=mother_id]").set_input_files(photo | {"name": "ktp.jpg"})
            d.locator("button[type=submit]").click()
            page.locator("details[data-form=declaration] summary").click()
            page.wait_for_selector("#antrean li[data-status=queued] >> nth=2")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT / "lapangan-offline.png"), full_page=True)

            # Meanwhile the cadre's phone sent another weight for the second child.
            kader = User.objects.get(username="kader_sungai_duri")
            other, _secret = device_register(user=kader, label="HP kader Melati")
            sync_records(
                device=other,
                records=[
                    Incoming(
                        client_id=uuid.uuid4(),
                        seq=1,
                        kind="measurement",
                        data={
                            "child_id": children[1].pk,
                            "measurement_date": (today - timedelta(days=1)).isoformat(),
                            "weight_kg": 9.6,
                            "height_cm": 80.0,
                            "posyandu": posyandu.name if posyandu else "",
                        },
                    )
                ],
            )
            go_online(context)
            page.wait_for_selector("#antrean li[data-status=conflict]", timeout=60_000)
            page.wait_for_selector("body[data-sync=idle]")
            page.locator("details[data-form=measurement]").evaluate("d => d.open = false")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT / "lapangan-synced.png"), full_page=True)
            context.close()

            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            desk = browser.new_page(viewport={"width": 1366, "height": 800}, locale="id-ID")
            desk.goto(base + "/masuk/")
            desk.fill("#id_username", "pkm_sungai_duri")
            desk.fill("#id_password", DEMO_PASSWORD)
            desk.press("#id_password", "Enter")
            desk.wait_for_load_state()
            desk.goto(base + "/lapangan/konflik/")
            desk.screenshot(path=str(OUT / "lapangan-conflicts.png"), full_page=True)
            desk.goto(base + "/lapangan/perangkat/")
            desk.screenshot(path=str(OUT / "lapangan-devices.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
    for name in ("lapangan-offline", "lapangan-synced", "lapangan-conflicts", "lapangan-devices"):
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
