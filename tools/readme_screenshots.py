"""The README's screenshots, made from the running demo so they stay current:

    make screenshots          # starts the demo's database on a spare port, shoots, stops

docs/screenshots/map.png (the stunting layer with a desa picked), child.png (a stunted child's
page as the data steward sees it), public.png (the home page with no login), review.png (the
linkage review of one pair), mutu-dashboard.png and mutu.png (measurement quality), and the
pages of the later parts. Debian's Chromium through Playwright, as in the tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from satuanak.common.chromium import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
FLAGS = CHROMIUM_ARGS
PASSWORD = "demo-bengkayang-2024"  # noqa: S105 - the synthetic demo's published login (README)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ids() -> tuple[int | None, int | None]:
    """A stunted child with weighings and an open review pair, from the demo database."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    import django

    django.setup()
    from satuanak.flags.models import ChildFlag
    from satuanak.linkage.models import ReviewPair

    flag = ChildFlag.objects.filter(code="stunting", status="flagged").order_by("-period", "child_id").first()
    pair = (
        ReviewPair.objects.filter(active=True, status="open")
        .exclude(weights={})
        .order_by("-probability")
        .first()
    )
    return (flag.child_id if flag else None), (pair.pk if pair else None)


def _login(page: Page, base: str, user: str) -> None:
    page.goto(base + "/masuk/")
    page.fill("#id_username", user)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_load_state("networkidle")
    # The session's purpose, as staff choose it once (roles without personal data have none).
    page.goto(base + "/tujuan/")
    if page.locator("input[name=tujuan]").count():
        page.locator("input[name=tujuan]").first.check()
        page.click("[data-testid=purpose-form] button[type=submit]")
        page.wait_for_load_state("networkidle")


PROGRAMME_SHOTS = (
    "programme",
    "gesit",
    "baas",
    "child-gesit",
    "prosasa",
    "referrals",
    "referral",
    "prap",
    "prap-review",
    "prap-checklist",
    "jempol",
    "adminduk-queue",
    "tracking",
)


def _programme_ids() -> dict[str, int]:
    """Ids for the issue-8 pages (read before Playwright starts: its loop forbids the ORM)."""
    from satuanak.gesit.models import BaasAssignment, ProsasaEntry
    from satuanak.referrals.models import Referral

    assignment = BaasAssignment.objects.order_by("start_date", "id").first()
    entry = ProsasaEntry.objects.order_by("posyandu_id").first()
    referral = Referral.objects.filter(is_protection=False).order_by("-id").first()
    from satuanak.prap.models import Assessment

    submitted = Assessment.objects.filter(state="submitted").first()
    ids = {
        "posyandu": entry.posyandu_id if entry else 0,
        "referral": referral.pk if referral else 0,
        "prap_submitted": submitted.facility_id if submitted else 0,
        "prap_own": Assessment.objects.filter(facility__name="Puskesmas Sungai Duri")
        .values_list("facility_id", flat=True)
        .first()
        or 0,
    }
    if assignment:
        ids |= {"baas": assignment.baas_id, "child": assignment.child_id}
    return ids


def _programme_pages(page: Page, base: str, ids: dict[str, int]) -> None:
    """Issue 8: the programme report, GESIT, a fostered child's timeline, a Prosasa ledger and
    the referrals of a receiving unit (the demo runs on its reference date, SATUANAK_TODAY)."""
    page.context.clear_cookies()
    _login(page, base, "dinkes")
    page.goto(base + "/program/?periode=2024")
    page.screenshot(path=str(OUT / "programme.png"), full_page=True)
    page.goto(base + "/gesit/")
    page.screenshot(path=str(OUT / "gesit.png"), full_page=True)
    if ids.get("baas"):
        page.goto(f"{base}/gesit/baas/{ids['baas']}/")
        page.screenshot(path=str(OUT / "baas.png"), full_page=True)
        page.goto(f"{base}/anak/{ids['child']}/")
        page.locator("[data-testid=interventions]").screenshot(path=str(OUT / "child-gesit.png"))
    if ids["posyandu"]:
        page.goto(f"{base}/gesit/prosasa/{ids['posyandu']}/")
        page.screenshot(path=str(OUT / "prosasa.png"), full_page=True)
    page.context.clear_cookies()
    _login(page, base, "ppa")
    page.goto(base + "/rujukan/")
    page.screenshot(path=str(OUT / "referrals.png"), full_page=True)
    if ids["referral"]:
        page.context.clear_cookies()
        _login(page, base, "dinkes")
        page.goto(f"{base}/rujukan/{ids['referral']}/")
        page.screenshot(path=str(OUT / "referral.png"), full_page=True)
    page.goto(base + "/prap/")
    page.screenshot(path=str(OUT / "prap.png"), full_page=True)
    if ids["prap_submitted"]:
        page.goto(f"{base}/prap/tinjau/{ids['prap_submitted']}/")
        page.screenshot(path=str(OUT / "prap-review.png"), full_page=True)
    page.context.clear_cookies()
    _login(page, base, "dukcapil")
    page.goto(base + "/jempol/?triwulan=2025Q1&hari=12")
    page.wait_for_timeout(1500)  # the plan's markers
    page.screenshot(path=str(OUT / "jempol.png"), full_page=True)
    page.goto(base + "/adminduk/verifikasi/")
    page.screenshot(path=str(OUT / "adminduk-queue.png"), full_page=True)
    page.context.clear_cookies()
    page.goto(base + "/lacak/?kode=ABCD2345")
    page.screenshot(path=str(OUT / "tracking.png"), full_page=True)
    if ids["prap_own"]:
        page.context.clear_cookies()
        _login(page, base, "pkm_sungai_duri")
        page.goto(f"{base}/prap/puskesmas/{ids['prap_own']}/")
        page.screenshot(path=str(OUT / "prap-checklist.png"), full_page=True)


INTEROP_SHOTS = ("tokens", "api-docs", "menu")


def _interop_pages(page: Page, base: str) -> None:
    """A cadre's token page right after making one (the secret shown once), and the API's
    Swagger page (served from our static files)."""
    page.context.clear_cookies()
    _login(page, base, "kader_sungai_duri")
    page.goto(f"{base}/akun/token/")
    page.fill("input[name=nama]", "HP kader Posyandu Sungai Duri")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "tokens.png"), full_page=True)
    page.context.clear_cookies()
    _login(page, base, "steward")
    page.goto(f"{base}/audit/")
    page.click("details.nav-group >> text=Program")
    # the open group hangs below the header: shoot the top of the page, not the header element
    page.screenshot(path=str(OUT / "menu.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 360})
    page.goto(f"{base}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=15000)
    page.screenshot(path=str(OUT / "api-docs.png"), full_page=False)


ADOLESCENT_SHOTS = ("remaja", "halo-start", "halo-conversation", "cegah")


def _adolescent_pages(page: Page, base: str, conversation_id: int | None) -> None:
    """Issue 13: the adolescent-health overview, Halo Remaja's public page and a conversation as
    its supervisor sees it, and CEGAH DINI's coverage."""
    page.context.clear_cookies()
    page.goto(f"{base}/halo/")
    page.screenshot(path=str(OUT / "halo-start.png"), full_page=True)
    _login(page, base, "dinkes")
    page.goto(f"{base}/remaja/kesehatan/")
    page.screenshot(path=str(OUT / "remaja.png"), full_page=True)
    if conversation_id:
        page.goto(f"{base}/halo/konselor/{conversation_id}/")
        page.screenshot(path=str(OUT / "halo-conversation.png"), full_page=True)
    page.goto(f"{base}/cegah/")
    page.screenshot(path=str(OUT / "cegah.png"), full_page=False)  # the top: coverage and gaps


PARTICIPATION_SHOTS = ("forum-anak-report", "forum-anak-queue", "ikm", "funding")


def _participation_pages(page: Page, base: str, report_ids: tuple[int | None, int | None]) -> None:
    """Issue 14: a Forum Anak member's report as they see it, the same report in the health
    queue, the IKM results and programme funding."""
    own_report, health_report = report_ids
    page.context.clear_cookies()
    _login(page, base, "publik")
    if own_report:
        page.goto(f"{base}/forum-anak/laporan-saya/{own_report}/")
        page.screenshot(path=str(OUT / "forum-anak-report.png"), full_page=True)
    page.context.clear_cookies()
    _login(page, base, "dinkes")
    if health_report:
        page.goto(f"{base}/forum-anak/antrean/{health_report}/")
        page.screenshot(path=str(OUT / "forum-anak-queue.png"), full_page=True)
    page.context.clear_cookies()
    _login(page, base, "bappeda")
    page.goto(f"{base}/ikm/hasil/?periode=2024Q4")
    page.screenshot(path=str(OUT / "ikm.png"), full_page=False)
    page.goto(f"{base}/kemitraan/dana/?tahun=2024")
    page.screenshot(path=str(OUT / "funding.png"), full_page=False)  # the totals; entries follow


def _mutu_pages(page: Page, base: str) -> None:
    """The dashboard's three stunting figures (public, no login) and the quality page (Dinkes)."""
    page.context.clear_cookies()
    page.goto(base + "/")
    page.locator("[data-testid=stunting-three]").screenshot(path=str(OUT / "mutu-dashboard.png"))
    _login(page, base, "dinkes")
    page.goto(base + "/mutu/")
    page.screenshot(path=str(OUT / "mutu.png"), full_page=False)  # the top: the figures, the table


def _participation_ids() -> tuple[int | None, int | None]:
    from satuanak.partisipasi.models import Report

    answered = Report.objects.filter(handler_role="health_officer", status__in=["answered", "closed"])
    first = answered.order_by("pk").first()
    return (first.pk if first else None, first.pk if first else None)


def _escalated_conversation() -> int | None:
    from satuanak.halo.models import Conversation

    found = Conversation.objects.filter(status="escalated").order_by("pk").first()
    return found.pk if found else None


def main() -> None:
    """All screenshots; `readme_screenshots.py mutu` (or another group's name) for one group."""
    only = set(sys.argv[1:])
    OUT.mkdir(parents=True, exist_ok=True)
    child_id, pair_id = _ids()
    programme_ids = _programme_ids()
    conversation_id = _escalated_conversation()
    report_ids = _participation_ids()
    port = _port()
    env = dict(os.environ, SATUANAK_DEBUG="false", PYTHONPATH=str(ROOT / "src"))
    # the production settings serve static files from STATIC_ROOT (whitenoise)
    collect = [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)  # noqa: S603 - our own interpreter
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and server
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            if only:
                if "mutu" in only:
                    _mutu_pages(page, base)
                browser.close()
                return
            page.goto(base + "/")
            page.wait_for_selector("#peta[data-state=ready]")
            page.screenshot(path=str(OUT / "public.png"), full_page=True)
            _login(page, base, "dinkes")
            page.goto(base + "/")
            page.wait_for_selector("#peta[data-state=ready]")
            page.wait_for_function("document.querySelectorAll('#pilih-lapisan option').length > 1")
            page.select_option("#pilih-lapisan", "stunting")
            page.wait_for_selector("#peta[data-layer-state=ready]")
            page.locator('.leaflet-overlay-pane path[data-desa="61.07.12.2009"]').dispatch_event("click")
            page.locator("#peta").screenshot(path=str(OUT / "map.png"))
            page.screenshot(path=str(OUT / "map-page.png"), full_page=True)
            page.context.clear_cookies()
            _login(page, base, "steward")
            if child_id:
                page.goto(f"{base}/anak/{child_id}/")
                page.screenshot(path=str(OUT / "child.png"), full_page=True)
            if pair_id:
                page.goto(f"{base}/tautan/{pair_id}/")
                page.screenshot(path=str(OUT / "review.png"), full_page=True)
            _programme_pages(page, base, programme_ids)
            _interop_pages(page, base)
            _adolescent_pages(page, base, conversation_id)
            _participation_pages(page, base, report_ids)
            _mutu_pages(page, base)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for name in (
        "public",
        "map",
        "map-page",
        "child",
        "review",
        *PROGRAMME_SHOTS,
        *INTEROP_SHOTS,
        *ADOLESCENT_SHOTS,
    ):
        path = OUT / f"{name}.png"
        print(path, "ok" if path.exists() else "missing")


if __name__ == "__main__":
    main()
