"""The field app in a real browser (Debian's Chromium): recorded with no network, the browser
closed and opened again, synced once the signal returns — each record on the server exactly
once; a conflict shown to the user with its rule; a revoked phone wiped; a throttled link."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from satuanak.accounts.models import User
from satuanak.adminduk.models import BirthDeclaration
from satuanak.common import uploads
from satuanak.core.nik import Nik
from satuanak.demo.services import DEMO_PASSWORD, demo_users_create
from satuanak.facilities.models import Posyandu
from satuanak.imports.services import staged_records
from satuanak.interop.models import ApiToken
from satuanak.lapangan.models import Device, SyncAttachment, SyncRecord
from satuanak.lapangan.services import Incoming, device_register, device_revoke, sync_records
from satuanak.lapangan.tests.browser import (
    ENQUEUE_JS,
    document_photo,
    go_offline,
    go_online,
    launch,
    photo,
    photo_b64,
    register,
    throttle,
    wait_until,
)
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

SUNGAI_DURI = "61.07.01.2001"
BIDAN = "pkm_sungai_duri"  # puskesmas staff: weighs, and declares the births she attends


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def live_reference_data(transactional_db: None, reference_data: None) -> None:
    """Committed reference data and demo users (the live server serves from another thread)."""
    demo_users_create()


def _children(n: int) -> list[Child]:
    desa = Desa.objects.get(code=SUNGAI_DURI)
    today = timezone.localdate()
    return [
        ChildFactory.create(
            desa=desa, birth_date=today - timedelta(days=200 + 7 * i), name=f"BALITA UJI {i:03d}"
        )
        for i in range(n)
    ]


def _staged_for(child: Child) -> pl.DataFrame:
    rows = staged_records("eppgbm")
    assert rows is not None
    return rows.filter(pl.col("nik") == child.nik).collect()


def _mother_nik(serial: int) -> str:
    return Nik.build(kecamatan_code="61.07.01", birth_date=date(1995, 6, 9), sex="P", serial=serial)


def test_offline_records_survive_a_restart_and_reach_the_server_once(
    live_server: Any, live_reference_data: None, tmp_path: Path
) -> None:
    base = str(live_server.url)
    (child,) = _children(1)
    profile = tmp_path / "profil-hp"
    today = timezone.localdate()
    with sync_playwright() as pw:
        context = launch(pw, profile)
        page = context.pages[0] if context.pages else context.new_page()
        register(page, base, BIDAN, DEMO_PASSWORD, "HP bidan Sungai Duri")
        expect(page.locator("form[data-form=measurement] select.pilih-anak option")).to_have_count(2)

        go_offline(context)
        expect(page.locator("#sinyal")).to_have_attribute("data-online", "0")
        # A weighing, typed into the form.
        form = page.locator("form[data-form=measurement]")
        form.locator("select.pilih-anak").select_option(str(child.pk))
        form.locator("input[name=measurement_date]").fill((today - timedelta(days=1)).isoformat())
        form.locator("input[name=weight_kg]").fill("8,4")
        form.locator("input[name=height_cm]").fill("70,5")
        form.locator("select[name=position]").select_option("lying")
        form.locator("button[type=submit]").click()
        # A birth declaration with photos of the birth letter and the mother's ID.
        page.locator("details[data-form=declaration] summary").click()
        form = page.locator("form[data-form=declaration]")
        form.locator("input[name=baby_name]").fill("Bayi Luring")
        form.locator("select[name=baby_sex]").select_option("P")
        born = timezone.localtime() - timedelta(days=1)
        form.locator("input[name=birth_at]").fill(born.strftime("%Y-%m-%dT%H:%M"))
        form.locator("input[name=birth_place]").fill("Rumah, Sungai Duri")
        form.locator("input[name=weight_g]").fill("3050")
        form.locator("input[name=length_cm]").fill("49")
        form.locator("input[name=mother_nik]").fill(_mother_nik(501))
        form.locator("input[name=mother_name]").fill("Ibu Luring")
        form.locator("input[name=mother_not_in_siak]").check()
        form.locator("select[name=desa_code]").select_option(SUNGAI_DURI)
        form.locator("input[data-kind=birth_letter]").set_input_files(
            {"name": "surat-lahir.jpg", "mimeType": "image/jpeg", "buffer": document_photo()}
        )
        form.locator("input[data-kind=mother_id]").set_input_files(
            {"name": "ktp-ibu.jpg", "mimeType": "image/jpeg", "buffer": photo(2, side=700)}
        )
        form.locator("button[type=submit]").click()
        expect(page.locator("#antrean li[data-status=queued]")).to_have_count(2)
        expect(page.locator("#jumlah-antrean")).to_have_text("2")
        assert SyncRecord.objects.count() == 0 and BirthDeclaration.objects.count() == 0

        # On disk the queue holds no name in clear: only ciphertext.
        stored = page.evaluate(
            """async () => { const s = window.lapangan.store(); const rows = await s.all("outbox");
                 return JSON.stringify(rows.map(r => [r.kind, r.status, typeof r.data.ct])); }"""
        )
        assert "BALITA" not in stored and "Ibu Luring" not in stored
        context.close()  # the phone is switched off

        # Switched on again, still no signal: the app opens from its own cache, queue intact.
        context = launch(pw, profile, offline=True)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(base + "/lapangan/")
        page.wait_for_selector("body[data-state=ready]")
        expect(page.locator("#antrean li[data-status=queued]")).to_have_count(2)
        expect(page.locator("#antrean li[data-kind=measurement]")).to_contain_text(child.name)
        assert SyncRecord.objects.count() == 0

        # The signal returns: the app sends by itself.
        go_online(context)
        expect(page.locator("#antrean li[data-status=accepted]")).to_have_count(2, timeout=60_000)
        expect(page.locator("#jumlah-antrean")).to_have_text("0")
        expect(page.locator("#antrean li[data-kind=declaration]")).to_contain_text("kode lacak")
        # Sending again changes nothing.
        page.click("#kirim")
        page.wait_for_selector("body[data-sync=idle]")
        page.screenshot(path=str(tmp_path / "lapangan.png"), full_page=True)
        context.close()

    assert SyncRecord.objects.filter(status="accepted").count() == 2
    weighed = _staged_for(child)
    assert weighed.height == 1 and float(weighed["weight_kg"][0]) == 8.4
    declaration = BirthDeclaration.objects.get()
    assert declaration.baby_name == "Bayi Luring" and declaration.attachments.count() == 2
    assert declaration.created_by.username == BIDAN
    # The 12-megapixel photo was made smaller on the phone before it crossed the link.
    letter = declaration.attachments.get(kind="birth_letter")
    with Image.open(uploads.stored_path(letter.stored_name)) as img:
        assert max(img.size) == 1600, img.size
    assert SyncAttachment.objects.count() == 2


def test_a_conflict_is_shown_with_its_rule_and_then_its_decision(
    live_server: Any, live_reference_data: None, tmp_path: Path
) -> None:
    base = str(live_server.url)
    (child,) = _children(1)
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    with sync_playwright() as pw:
        context = launch(pw, tmp_path / "profil")
        page = context.pages[0] if context.pages else context.new_page()
        register(page, base, BIDAN, DEMO_PASSWORD, "HP bidan")
        go_offline(context)
        form = page.locator("form[data-form=measurement]")
        form.locator("select.pilih-anak").select_option(str(child.pk))
        form.locator("input[name=measurement_date]").fill(day)
        form.locator("input[name=weight_kg]").fill("9,8")
        form.locator("input[name=height_cm]").fill("74")
        form.locator("button[type=submit]").click()
        expect(page.locator("#antrean li[data-status=queued]")).to_have_count(1)

        # Meanwhile the cadre's phone sent another weight for the same child and day.
        kader = User.objects.get(username="kader_sungai_duri")
        other, _secret = device_register(user=kader, label="HP kader")
        posyandu = Posyandu.objects.filter(desa__code=SUNGAI_DURI).order_by("code").first()
        sync_records(
            device=other,
            records=[
                Incoming(
                    client_id=uuid.uuid4(),
                    seq=1,
                    kind="measurement",
                    data={
                        "child_id": child.pk,
                        "measurement_date": day,
                        "weight_kg": 9.1,
                        "height_cm": 74.0,
                        "posyandu": posyandu.name if posyandu else "",
                    },
                )
            ],
        )

        go_online(context)
        item = page.locator("#antrean li[data-status=conflict]")
        expect(item).to_have_count(1, timeout=60_000)
        expect(item.locator(".konflik")).to_contain_text("Server: 9,1 kg")
        expect(item.locator(".konflik")).to_contain_text("9,8 kg")
        expect(item.locator(".konflik .rule")).to_contain_text("tidak ditimpa")
        page.screenshot(path=str(tmp_path / "konflik.png"), full_page=True)

        # The puskesmas decides for the phone's value; the phone sees the decision.
        from satuanak.lapangan.services import conflict_resolve

        record = SyncRecord.objects.get(status="conflict")
        conflict_resolve(record=record, choice="device", user=User.objects.get(username=BIDAN))
        page.click("#kirim")
        expect(page.locator("#antrean li[data-status=took_device]")).to_have_count(1, timeout=30_000)
        expect(page.locator("#antrean li[data-status=took_device]")).to_contain_text(
            "nilai perangkat dipakai"
        )
        context.close()
    assert [float(w) for w in _staged_for(child)["weight_kg"]] == [9.8]


def test_a_revoked_phone_deletes_its_data_at_next_contact(
    live_server: Any, live_reference_data: None, tmp_path: Path
) -> None:
    base = str(live_server.url)
    _children(1)
    with sync_playwright() as pw:
        context = launch(pw, tmp_path / "profil")
        page = context.pages[0] if context.pages else context.new_page()
        register(page, base, "kader_sungai_duri", DEMO_PASSWORD, "HP yang hilang")
        device = Device.objects.get(label="HP yang hilang")
        device_revoke(device=device, by=User.objects.get(username="steward"), reason="hilang")
        page.click("#kirim")
        expect(page.locator("#dicabut")).to_be_visible()
        names = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
        assert "satuanak-lapangan" not in names
        assert page.evaluate("async () => (await caches.keys()).length") == 0
        context.close()
    device.refresh_from_db()
    assert device.wipe_sent_at is not None


def queue_and_sync_over_a_slow_link(
    page: Any,
    context: Any,
    children: list[Child],
    *,
    records: int,
    attachments: int,
    posyandu: str,
    slow: bool = True,
    offset: int = 0,
    days_back: int = 1,
) -> dict[str, Any]:
    """Queue `records` records offline (declarations carrying two photos each, the rest
    weighings), then send them over a throttled link that drops once midway (`slow`), or over
    the bare loopback. `offset` makes another run's babies other babies. Returns timings."""
    declarations = attachments // 2
    weighings = records - declarations
    today = timezone.localdate()
    go_offline(context)
    for i in range(weighings):
        child = children[i % len(children)]
        day = today - timedelta(days=days_back + i // len(children))
        assert child.birth_date is not None
        months = (day - child.birth_date).days / 30.4  # near the WHO medians for the age
        data = {
            "child_id": child.pk,
            "measurement_date": day.isoformat(),
            "weight_kg": round(5.5 + 0.3 * months + (i % 5) / 10, 1),
            "height_cm": round(61.0 + 1.1 * months + (i % 3) / 2, 1),
            "position": "lying",
            "posyandu": posyandu,
        }
        page.evaluate(
            ENQUEUE_JS, {"kind": "measurement", "data": data, "label": f"Penimbangan {i}", "photos": []}
        )
    born = (timezone.localtime() - timedelta(days=3)).replace(microsecond=0)
    for j in range(declarations):
        data = {
            "baby_name": f"Bayi Antrean {offset + j:03d}",
            "baby_sex": "L" if j % 2 else "P",
            "birth_at": (born - timedelta(hours=j)).isoformat(),
            "birth_place": "Polindes Sungai Duri",
            "weight_g": 2900 + j,
            "length_cm": 48.5,
            "mother_nik": _mother_nik(600 + offset + j),
            "mother_name": f"Ibu Antrean {offset + j:03d}",
            "mother_not_in_siak": True,
            "desa_code": SUNGAI_DURI,
        }
        photos = [
            {"kind": "birth_letter", "b64": photo_b64(2 * j)},
            {"kind": "mother_id", "b64": photo_b64(2 * j + 1)},
        ]
        page.evaluate(
            ENQUEUE_JS, {"kind": "declaration", "data": data, "label": f"Kelahiran {j}", "photos": photos}
        )
    assert page.evaluate("window.lapangan.pendingCount()") == records
    bytes_queued = page.evaluate(
        "async () => (await window.lapangan.store().all('files')).reduce((n, f) => n + f.size, 0)"
    )

    go_online(context)
    if slow:
        throttle(context, page, latency_ms=300, down_kbps=1000, up_kbps=512)
    started = time.perf_counter()
    page.evaluate("() => { window.lapangan.sync(); }")  # started, not awaited
    if slow:
        # The link drops midway (a fifth of the records through): the rest waits on the phone
        # and goes when it is back.
        wait_until(
            page,
            "async (n) => (await window.lapangan.store().all('outbox'))"
            ".filter(r => r.status !== 'queued').length >= n",
            records // 5,
            timeout_s=600,
        )
        dropped_at = page.evaluate("window.lapangan.pendingCount()")
        assert 0 < dropped_at < records, dropped_at
        go_offline(context)
        time.sleep(1.0)
        go_online(context)
        throttle(context, page, latency_ms=300, down_kbps=1000, up_kbps=512)
    deadline = time.perf_counter() + 900
    while page.evaluate("window.lapangan.pendingCount()") > 0:
        assert time.perf_counter() < deadline, "sync did not finish"
        page.evaluate("window.lapangan.sync()")
        page.wait_for_timeout(200)
    seconds = time.perf_counter() - started
    return {
        "records": records,
        "attachments": attachments,
        "attachment_kb": round(bytes_queued / 1024),
        "seconds": round(seconds, 1),
        "records_per_s": round(records / seconds, 1),
    }


def test_500_records_and_50_photos_over_a_throttled_link_arrive_once(
    live_server: Any, live_reference_data: None, tmp_path: Path, settings: Any, record_property: Any
) -> None:
    settings.SATUANAK_API_RATE_PER_MINUTE = 10_000
    base = str(live_server.url)
    children = _children(95)
    posyandu = Posyandu.objects.filter(desa__code=SUNGAI_DURI).order_by("code").first()
    with sync_playwright() as pw:
        context = launch(pw, tmp_path / "profil")
        page = context.pages[0] if context.pages else context.new_page()
        register(page, base, BIDAN, DEMO_PASSWORD, "HP satelit")
        figures = queue_and_sync_over_a_slow_link(
            page, context, children, records=500, attachments=50, posyandu=posyandu.name if posyandu else ""
        )
        statuses = page.evaluate(
            "async () => (await window.lapangan.store().all('outbox')).map(r => r.status)"
        )
        refused = page.evaluate(
            "async () => (await window.lapangan.store().all('outbox'))"
            ".filter(r => r.status !== 'accepted').map(r => r.kind + ': ' + r.message_id).slice(0, 5)"
        )
        context.close()
    # The time, in the test report (junit properties); bench/sync.py measures it at more sizes.
    record_property("sync_500_50", json.dumps(figures))
    assert statuses.count("accepted") == 500, refused
    ledger = SyncRecord.objects.all()
    assert ledger.count() == 500 and set(ledger.values_list("status", flat=True)) == {"accepted"}
    assert BirthDeclaration.objects.count() == 25
    assert sum(d.attachments.count() for d in BirthDeclaration.objects.all()) == 50
    rows = staged_records("eppgbm")
    assert rows is not None
    staged = rows.filter(pl.col("nik").is_in([c.nik for c in children])).collect()
    assert staged.height == 475  # every weighing once: none lost, none twice
    assert staged.select(pl.struct("nik", "measurement_date").n_unique()).item() == 475


def test_registering_again_keeps_the_queue_for_the_same_user_only(
    live_server: Any, live_reference_data: None, tmp_path: Path
) -> None:
    base = str(live_server.url)
    (child,) = _children(1)
    posyandu = Posyandu.objects.filter(desa__code=SUNGAI_DURI).order_by("code").first()
    data = {
        "child_id": child.pk,
        "measurement_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "weight_kg": 8.0,
        "height_cm": 70.0,
        "posyandu": posyandu.name if posyandu else "",
    }
    with sync_playwright() as pw:
        context = launch(pw, tmp_path / "profil")
        page = context.pages[0] if context.pages else context.new_page()
        register(page, base, "kader_sungai_duri", DEMO_PASSWORD, "HP kader")
        go_offline(context)
        page.evaluate(ENQUEUE_JS, {"kind": "measurement", "data": data, "label": "Penimbangan", "photos": []})
        # Her device token expired while she was out of signal: the app keeps the weighing and
        # asks her to register again; registering again as herself sends it.
        first = Device.objects.get(label="HP kader")
        ApiToken.objects.filter(pk=first.token_id).update(expires_at=timezone.now() - timedelta(minutes=1))
        go_online(context)
        page.click("#kirim")
        expect(page.locator("#pesan")).to_contain_text("tidak berlaku")
        expect(page.locator("#antrean li[data-status=queued]")).to_have_count(1)
        page.goto(base + "/lapangan/daftar/")
        page.fill("input[name=nama]", "HP kader (lagi)")
        page.click("button[type=submit]:has-text('Daftarkan perangkat ini')")
        page.wait_for_url(f"{base}/lapangan/")
        page.wait_for_selector("body[data-state=ready]")
        expect(page.locator("#antrean li[data-status=accepted]")).to_have_count(1, timeout=30_000)
        second = Device.objects.get(label="HP kader (lagi)")
        assert SyncRecord.objects.get().device == second and first.records.count() == 0

        # Another user on the same phone starts from nothing.
        go_offline(context)
        page.evaluate(
            ENQUEUE_JS, {"kind": "measurement", "data": data, "label": "Penimbangan 2", "photos": []}
        )
        ApiToken.objects.filter(pk=second.token_id).update(expires_at=timezone.now() - timedelta(minutes=1))
        go_online(context)
        page.click("#kirim")
        expect(page.locator("#pesan")).to_contain_text("tidak berlaku")
        context.clear_cookies()
        page.goto(f"{base}/masuk/?next=/lapangan/daftar/")
        page.fill("#id_username", BIDAN)
        page.fill("#id_password", DEMO_PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url("**/lapangan/daftar/")
        page.fill("input[name=nama]", "HP bidan")
        page.click("button[type=submit]:has-text('Daftarkan perangkat ini')")
        page.wait_for_url(f"{base}/lapangan/")
        page.wait_for_selector("body[data-state=ready]")
        expect(page.locator("#antrean li")).to_have_count(0)
        context.close()
    assert SyncRecord.objects.count() == 1
