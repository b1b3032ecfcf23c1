"""Debian's Chromium as the tests and tools drive it (Playwright with executable_path: no
browser download on these machines)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # No update checks, sync or first-run pings: the only requests should be the page's own.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
