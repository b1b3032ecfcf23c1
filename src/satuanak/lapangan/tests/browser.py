"""Driving the field app in Debian's Chromium as a phone would be used: a browser profile on
disk (closed and opened again like a phone restarted), the network switched off and on, a slow
link. Shared by the browser tests and bench/sync.py.

Playwright's offline switch does not reach a service worker's own requests (microsoft/
playwright#2311), so "offline" here also aborts every request a service worker makes: the app
must open from its cache, not from a network the test forgot to cut.
"""

from __future__ import annotations

import base64
import io
import os
import random
from pathlib import Path
from typing import Any

from PIL import Image

from satuanak.common.chromium import CHROMIUM, CHROMIUM_ARGS

# Lets context.route see requests made by service workers (see the module docstring).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


def _abort_service_worker(route: Any) -> None:
    if route.request.service_worker is not None:
        route.abort("internetdisconnected")
    else:
        route.continue_()


def launch(playwright: Any, profile: Path, *, offline: bool = False) -> Any:
    """A persistent context: IndexedDB, caches and the service worker survive closing it."""
    assert CHROMIUM.exists(), f"{CHROMIUM} tidak ada / is missing: apt-get install chromium"
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        offline=offline,
        service_workers="allow",
        viewport={"width": 420, "height": 900},
        locale="id-ID",
    )
    context.set_default_timeout(30_000)
    if offline:
        context.route("**/*", _abort_service_worker)
    return context


def go_offline(context: Any) -> None:
    context.set_offline(True)
    context.route("**/*", _abort_service_worker)


def go_online(context: Any) -> None:
    context.unroute("**/*", _abort_service_worker)
    context.set_offline(False)


def throttle(context: Any, page: Any, *, latency_ms: int, down_kbps: int, up_kbps: int) -> Any:
    """A slow link (DevTools network emulation): a satellite hop's latency, a few hundred kbit/s."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": down_kbps * 1000 / 8,
            "uploadThroughput": up_kbps * 1000 / 8,
        },
    )
    return cdp


def photo(seed: int, *, side: int = 200) -> bytes:
    """A JPEG like a phone photo of a document after the app shrinks it: noisy, so it does not
    compress away (about 20-30 kB at 200 px)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def document_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A phone camera's photo of a printed letter (12 MP, lines of "text" on paper)."""
    from PIL import ImageDraw

    image = Image.new("RGB", (width, height), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    for y in range(height // 10, height - height // 10, max(height // 40, 8)):
        draw.line([(width // 10, y), (width - width // 8, y)], fill=(40, 40, 50), width=max(height // 300, 2))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


def photo_b64(seed: int, *, side: int = 200) -> str:
    return base64.b64encode(photo(seed, side=side)).decode()


def register(page: Any, base: str, username: str, password: str, label: str) -> None:
    """Sign in, register the phone, land in the app with its lists downloaded."""
    page.goto(f"{base}/masuk/?next=/lapangan/daftar/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/lapangan/daftar/")
    page.fill("input[name=nama]", label)
    page.click("button[type=submit]:has-text('Daftarkan perangkat ini')")
    page.wait_for_url(f"{base}/lapangan/")
    page.wait_for_selector("body[data-state=ready]")
    page.wait_for_selector("body[data-sync=idle]")  # the first round (lists, heartbeat) is over
    # The service worker has the app in its cache before the network goes.
    wait_until(
        page,
        "async () => (await navigator.serviceWorker.ready).active !== null"
        " && (await caches.keys()).length > 0",
    )


def wait_until(page: Any, predicate: str, arg: Any = None, *, timeout_s: float = 60.0) -> None:
    """Poll an async predicate (page.wait_for_function takes a returned promise as true, and
    the page's CSP forbids the eval it would need otherwise)."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s} s: {predicate}")
        page.wait_for_timeout(100)


# Queue records straight through the app's own enqueue (what its forms call), for volume.
ENQUEUE_JS = """
async ({kind, data, label, photos}) => {
  const decoded = (photos || []).map(p => ({
    kind: p.kind, bytes: Uint8Array.from(atob(p.b64), c => c.charCodeAt(0))
  }));
  return window.lapangan.enqueue(kind, data, label, decoded);
}
"""
