"""`satuanak worker`, unchanged, with the import's write held open at one point so a test can
kill the process there and nowhere else. Run as a script by test_faults.py (never imported by
the platform):

    python faults_worker.py --interval 0.2 --no-startup-delay ...   (the worker's own options)

Where it holds: inside the import's one transaction, after the refused rows and the issues were
inserted (not yet committed) and after the batch's Parquet file was written to staging (not yet
referenced by a done batch). That is the worst moment to die: everything is written, nothing is
committed. It then writes the file named by SATUANAK_FAULTS_MARKER and waits: to be killed, or,
when SATUANAK_FAULTS_RELEASE names a file, until that file exists, and then goes on as if
nothing happened (the test restarts the database meanwhile). SATUANAK_FAULTS_HOLD_AT=n holds the
n-th import of the process (default the first); the others, and a run again, are not held. A
real import of that size takes under a second, too short to aim a fault at; this makes the
moment deterministic without changing what the worker does around it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]


def _hold_the_write() -> None:
    from satuanak.imports import services, staging

    marker = Path(os.environ["SATUANAK_FAULTS_MARKER"])
    release = os.environ.get("SATUANAK_FAULTS_RELEASE")
    hold_at = int(os.environ.get("SATUANAK_FAULTS_HOLD_AT", "1"))
    original = services._bulk_insert
    writes = 0

    def held(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        nonlocal writes
        original(table, columns, rows)
        if table != "imports_importissue":  # the last insert before the commit
            return
        writes += 1
        if writes != hold_at:
            return
        # The Parquet file is written by a thread beside these inserts: wait for it in place.
        deadline = time.monotonic() + 30
        while not any(staging.staging_root().rglob("batch-*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        marker.write_text(str(os.getpid()))
        if release is None:
            time.sleep(600)  # killed here by the test
            return
        while not Path(release).exists():
            time.sleep(0.05)

    services._bulk_insert = held


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    _hold_the_write()
    execute_from_command_line([str(ROOT / "manage.py"), "worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
