"""Benchmark issue 15's stage: a phone's queue synced to the server, in Debian's Chromium.

A scratch SQLite database (var/bench/sync/) gets Bengkayang's reference data, the demo users
and N under-fives in the bidan's area; a live server (in this process, another thread) serves
the field app. The bidan's phone (a Chromium profile) registers, goes offline, queues R records
(weighings, and declarations carrying two document photos each: A photos) through the app's own
enqueue, then syncs:

- over loopback, no throttling: the app and server's own cost;
- over a throttled link (300 ms latency, 1 Mbit/s down, 512 kbit/s up: a satellite-like hop)
  that drops once midway — the case the issue names;
- baseline, the bare task in the same process: the same weighings through one e-PPGBM import
  call (`import_rows_run`) and the same declarations through `declaration_create`, no phone,
  no HTTP.

Afterwards the server must hold every record exactly once (the script fails otherwise).

    .venv/bin/python bench/sync.py                       # 500 records, 50 photos
    .venv/bin/python bench/sync.py --records 2000 --attachments 200

The last line is one JSON object: records, attachments, attachment_kb, loopback_s,
loopback_records_per_s, throttled_s, throttled_records_per_s, baseline_records_per_s,
loopback_vs_baseline, peak_rss_mb (this process: server and test driver; the browser is its
own process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench" / "sync"
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in this thread


def _setup_django() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUANAK_SQLITE_PATH"] = str(WORK / "db.sqlite3")
    os.environ["SATUANAK_DEBUG"] = "false"
    os.environ["SATUANAK_STAGING_DIR"] = str(WORK / "staging")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = WORK / "media"
    settings.SATUANAK_API_RATE_PER_MINUTE = 10**6  # one busy phone; the limit is tested elsewhere
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    from satuanak.demo.services import demo_users_create

    demo_users_create()


def _children(n: int) -> list[Any]:
    from django.utils import timezone

    from satuanak.core.nik import Nik
    from satuanak.persons.models import Child
    from satuanak.regions.models import Desa

    desa = Desa.objects.get(code="61.07.01.2001")
    today = timezone.localdate()
    made = []
    for i in range(n):
        born = today - timedelta(days=200 + (i * 7) % 600)
        made.append(
            Child(
                name=f"BALITA BENCH {i:04d}",
                nik=Nik.build(
                    kecamatan_code="61.07.01", birth_date=born, sex="L" if i % 2 else "P", serial=1 + i
                ),
                sex="L" if i % 2 else "P",
                birth_date=born,
                desa=desa,
                mother_name=f"IBU {i}",
            )
        )
    return Child.objects.bulk_create(made)


def _server() -> Any:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


def _phone_run(
    base: str, children: list[Any], *, records: int, attachments: int, slow: bool, run: int
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from satuanak.demo.services import DEMO_PASSWORD
    from satuanak.facilities.models import Posyandu
    from satuanak.lapangan.tests.browser import launch, register
    from satuanak.lapangan.tests.test_field_app_browser import queue_and_sync_over_a_slow_link

    posyandu = Posyandu.objects.filter(desa__code="61.07.01.2001").order_by("code").first()
    label = f"HP bench {uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = launch(pw, Path(profile))
        page = context.pages[0] if context.pages else context.new_page()
        register(page, base, "pkm_sungai_duri", DEMO_PASSWORD, label)
        figures = queue_and_sync_over_a_slow_link(
            page,
            context,
            children,
            records=records,
            attachments=attachments,
            posyandu=posyandu.name if posyandu else "",
            slow=slow,
            offset=1000 * run,  # other babies,
            days_back=1 + 10 * run,  # other days: each run is new work for the server
        )
        context.close()
    return figures


def _check_once(records: int, declarations: int, runs: int) -> None:
    from satuanak.adminduk.models import BirthDeclaration
    from satuanak.imports.services import staged_records
    from satuanak.lapangan.models import SyncRecord

    accepted = SyncRecord.objects.filter(status="accepted").count()
    if accepted != runs * records or SyncRecord.objects.count() != runs * records:
        raise SystemExit(f"records lost or doubled: {accepted} accepted of {runs * records}")
    if BirthDeclaration.objects.count() != runs * declarations:
        raise SystemExit("declarations lost or doubled")
    rows = staged_records("eppgbm")
    if rows is None or rows.collect().height != runs * (records - declarations):
        raise SystemExit("weighings lost or doubled")


def _baseline(children: list[Any], *, records: int, attachments: int) -> float:
    """The same work with no phone and no HTTP: one import call and direct declaration calls."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.utils import timezone

    from satuanak.accounts.models import User
    from satuanak.adminduk.services import DeclarationInput, declaration_create
    from satuanak.core.nik import Nik
    from satuanak.imports.services import import_rows_run
    from satuanak.lapangan.tests.browser import photo

    user = User.objects.get(username="pkm_sungai_duri")
    declarations = attachments // 2
    today = timezone.localdate()
    rows = []
    for i in range(records - declarations):
        c = children[i % len(children)]
        day = today - timedelta(days=40 + i // len(children))  # days the phone runs did not use
        months = (day - c.birth_date).days / 30.4
        rows.append(
            {
                "nik": c.nik,
                "name": c.name,
                "sex": c.sex,
                "birth_date": c.birth_date.isoformat(),
                "desa": "61.07.01.2001",
                "measurement_date": day.isoformat(),
                "weight_kg": round(5.5 + 0.3 * months, 1),
                "height_cm": round(61.0 + 1.1 * months, 1),
                "position": "lying",
            }
        )
    photos = [photo(10_000 + k) for k in range(attachments)]
    born = timezone.localtime() - timedelta(days=5)
    started = time.perf_counter()
    import_rows_run(adapter_name="eppgbm", rows=rows, user=user, file_name="bench-baseline.csv")
    for j in range(declarations):
        with transaction.atomic():
            declaration_create(
                user=user,
                data=DeclarationInput(
                    baby_name=f"Bayi Baseline {j}",
                    baby_sex="P",
                    birth_at=born - timedelta(hours=j),
                    birth_place="Polindes",
                    weight_g=3000,
                    length_cm=49,
                    mother_nik=Nik.build(
                        kecamatan_code="61.07.01",
                        birth_date=born.date().replace(year=1994),
                        sex="P",
                        serial=8000 + j,
                    ),
                    mother_name=f"Ibu Baseline {j}",
                    mother_not_in_siak=True,
                    desa_code="61.07.01.2001",
                ),
                attachments={
                    "birth_letter": [SimpleUploadedFile("a.jpg", photos[2 * j])],
                    "mother_id": [SimpleUploadedFile("b.jpg", photos[2 * j + 1])],
                },
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--attachments", type=int, default=50)
    parser.add_argument("--children", type=int, default=100)
    args = parser.parse_args()
    _setup_django()
    children = _children(args.children)
    server = _server()
    base = f"http://localhost:{server.port}"
    try:
        print(f"loopback: {args.records} records, {args.attachments} photos …", flush=True)
        fast = _phone_run(
            base, children, records=args.records, attachments=args.attachments, slow=False, run=0
        )
        print(f"  {fast['seconds']} s ({fast['records_per_s']} records/s)", flush=True)
        print("throttled link (300 ms, 1 Mbit/s down, 512 kbit/s up, one drop) …", flush=True)
        slow = _phone_run(
            base, children, records=args.records, attachments=args.attachments, slow=True, run=1
        )
        print(f"  {slow['seconds']} s ({slow['records_per_s']} records/s)", flush=True)
        _check_once(args.records, args.attachments // 2, runs=2)
        print("baseline: the same work in-process, no phone, no HTTP …", flush=True)
        baseline_s = _baseline(children, records=args.records, attachments=args.attachments)
        print(f"  {baseline_s:.1f} s", flush=True)
    finally:
        server.terminate()
    results = {
        "records": args.records,
        "attachments": args.attachments,
        "attachment_kb": slow["attachment_kb"],
        "loopback_s": fast["seconds"],
        "loopback_records_per_s": fast["records_per_s"],
        "throttled_s": slow["seconds"],
        "throttled_records_per_s": slow["records_per_s"],
        "baseline_records_per_s": round(args.records / baseline_s, 1),
        "loopback_vs_baseline": round((args.records / baseline_s) / fast["records_per_s"], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
