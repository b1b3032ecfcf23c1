"""Benchmark the retention job (satuanak.governance.retention_services) at district size, beside a
plain SQL DELETE of the same ChildRecord ids in the same process.

The case is built directly (not through import and linkage, which bench/linkage.py measures): a
scratch SQLite database under var/bench/retention/ with `--children` children (default 100,000)
born 1995-2024, about 3 % of whom left the district, and their records as linkage writes them
(e-PPGBM weighings and immunisation doses for the young, one SIAK record each, a DAPODIK record
for those of school age, a SIMFONI case for 1 %), each pointing at a row of a staged Parquet batch
per format, so the run looks up real natural keys. On `--today` (default 2025-06-30) the shipped
rules put a fair share of them past their time.

Steps, each timed with its peak RSS (Linux: the high-water mark is reset before each step):
1. dry run: `retention_dry_run` (reads children and records, applies the rules);
2. baseline: `DELETE FROM persons_childrecord WHERE id IN (...)` of the dry run's record ids, in
   chunks of 900, in a transaction rolled back afterwards (so the run sees the same data);
3. run: `retention_run` (suppression list, deletes, linkage records, anonymisation, audit).
rows/s is records examined per second for the dry run and records removed per second for the run
and the baseline; ratio_vs_baseline is the run's time over the baseline's.

    .venv/bin/python bench/retention.py
    .venv/bin/python bench/retention.py --children 20000

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def _measured(out: dict[str, float]) -> Iterator[None]:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    t = time.perf_counter()
    yield
    out["seconds"] = time.perf_counter() - t
    out["peak_mb"] = _status_kb("VmHWM") / 1024


def _setup(work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUANAK_SQLITE_PATH"] = str(work / "retention.sqlite3")
    os.environ["SATUANAK_STAGING_DIR"] = str(work / "staging")
    os.environ["SATUANAK_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(children: int, seed: int) -> dict[str, int]:
    """Children and their records, with one staged batch per format."""
    import polars as pl
    from django.db import transaction
    from django.utils import timezone

    from satuanak.common.bulk import bulk_insert
    from satuanak.imports import staging
    from satuanak.imports.models import ImportBatch
    from satuanak.persons.models import Child, ChildRecord

    rng = random.Random(seed)
    start = date(1995, 1, 1)
    span = (date(2024, 12, 31) - start).days
    formats = {
        "eppgbm": "eppgbm",
        "imunisasi": "imunisasi",
        "siak": "siak",
        "dapodik": "dapodik",
        "simfoni": "simfoni",
    }
    keys: dict[str, list[str]] = {f: [] for f in formats}
    kids = []
    recs: list[tuple[int, str, str, int]] = []  # child, source, format, index of the staged row
    for i in range(1, children + 1):
        dob = start + timedelta(days=rng.randrange(span))
        left = dob + timedelta(days=rng.randrange(365, 6000)) if rng.random() < 0.03 else None
        kids.append((i, f"61070{i:011d}", dob, left))
        age = (date(2024, 12, 31) - dob).days / 365.25
        plan = [("siak", 1)]
        if age < 8:
            plan += [("eppgbm", rng.randint(1, 8)), ("imunisasi", rng.randint(1, 6))]
        if age >= 6:
            plan.append(("dapodik", 1))
        if rng.random() < 0.01:
            plan.append(("simfoni", 1))
        for f, n in plan:
            for v in range(n):
                keys[f].append(f"61070{i:011d}|{v}")
                recs.append((i, f, f, len(keys[f]) - 1))
    now = timezone.now()
    with transaction.atomic():
        bulk_insert(
            Child._meta.db_table,
            [
                "id",
                "nik",
                "kk_number",
                "name",
                "sex",
                "birth_date",
                "left_district_on",
                "mother_name",
                "linkage_key",
                "in_siak",
                "field_sources",
                "n_records",
                "created_at",
                "updated_at",
            ],
            (
                (i, nik, "", f"Anak {i}", "P", dob, left, "Ibu", f"c{i}", True, "{}", 0, now, now)
                for i, nik, dob, left in kids
            ),
        )
        batch_of: dict[str, int] = {}
        for order, (f, ks) in enumerate(keys.items(), start=1):
            b = ImportBatch.objects.create(
                source=formats[f],
                adapter=f,
                file_name=f"{f}.csv",
                sha256=f.ljust(64, "0"),
                status=ImportBatch.Status.DONE,
                staged_order=order,
            )
            rel = staging.batch_file(f, b.pk)
            staging.write_batch_file(
                rel,
                pl.DataFrame(
                    {
                        "__row": range(2, 2 + len(ks)),
                        "natural_key": ks,
                        "person_key": ks,
                        "change": ["new"] * len(ks),
                    }
                ),
            )
            b.staged_file = str(rel)
            b.save(update_fields=["staged_file"])
            batch_of[f] = b.pk
        bulk_insert(
            ChildRecord._meta.db_table,
            ["child_id", "source", "record_id", "batch_id", "row_number", "summary"],
            ((c, src, f"{f}:61070{c:011d}", batch_of[f], idx + 2, "{}") for c, src, f, idx in recs),
        )
    return {"children": children, "records": len(recs)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    _setup(ROOT / "var" / "bench" / "retention")

    from django.db import connection, transaction

    from satuanak.governance.retention_services import retention_dry_run, retention_rules, retention_run

    print(f"building {args.children:,} children and their records ...", flush=True)
    t = time.perf_counter()
    built = _build(args.children, args.seed)
    print(f"  {built['records']:,} records in {time.perf_counter() - t:.1f} s", flush=True)
    rules = retention_rules()

    dry: dict[str, float] = {}
    with _measured(dry):
        report = retention_dry_run(today=args.today, rules=rules)
    ids = report.plan.records_past["record_pk"].to_list()
    print(
        f"dry run: {report.plan.records_total:,} records examined in {dry['seconds']:.2f} s, "
        f"{len(ids):,} past, {report.children_anonymised:,} children to anonymise; "
        f"peak {dry['peak_mb']:.0f} MB",
        flush=True,
    )

    base: dict[str, float] = {}
    with _measured(base), transaction.atomic():
        with connection.cursor() as cursor:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM persons_childrecord WHERE id IN ({marks})", chunk)  # noqa: S608
        transaction.set_rollback(True)
    print(
        f"baseline DELETE: {len(ids):,} rows in {base['seconds']:.2f} s; peak {base['peak_mb']:.0f} MB",
        flush=True,
    )

    run: dict[str, float] = {}
    with _measured(run):
        done = retention_run(actor=None, today=args.today, rules=rules)
    print(
        f"run: {done.records_past:,} records removed, {done.suppressed:,} suppressed, "
        f"{done.children_anonymised:,} children anonymised in {run['seconds']:.2f} s; "
        f"peak {run['peak_mb']:.0f} MB",
        flush=True,
    )

    def rate(n: int, s: float) -> float:
        return round(n / s, 1) if s else 0.0

    result: dict[str, Any] = {
        "children": built["children"],
        "records": built["records"],
        "records_past": len(ids),
        "children_anonymised": done.children_anonymised,
        "dry_run_seconds": round(dry["seconds"], 3),
        "dry_run_rows_per_s": rate(report.plan.records_total, dry["seconds"]),
        "dry_run_peak_mb": round(dry["peak_mb"], 1),
        "run_seconds": round(run["seconds"], 3),
        "run_rows_per_s": rate(len(ids), run["seconds"]),
        "run_peak_mb": round(run["peak_mb"], 1),
        "baseline_seconds": round(base["seconds"], 3),
        "baseline_rows_per_s": rate(len(ids), base["seconds"]),
        "baseline_peak_mb": round(base["peak_mb"], 1),
        "ratio_vs_baseline": round(run["seconds"] / base["seconds"], 2) if base["seconds"] else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
