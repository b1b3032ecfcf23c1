"""Benchmark issue 8's stage: the programme report and follow-up list over many interventions,
and the bulk import of interventions from the spreadsheet template.

A scratch SQLite database (var/bench/programmes/) gets Bengkayang's reference data and, per run,
N stunted children with two quarters of stunting flags each (one in three cleared at follow-up)
and one PMT intervention each, written with bulk inserts. Then, in the same process:

- `programme_report` for the year (outcome of every intervention, targets per desa) beside the
  baseline: one SQL query counting distinct covered children per desa (what a report without
  outcomes would cost);
- `follow_ups_due`;
- the bulk import of a filled template (CSV, one row per child: every row through the same
  validation and audit as the phone form) beside DuckDB's plain read of the same file.

    .venv/bin/python bench/programmes.py                   # 10,000 (a district) and 100,000
    .venv/bin/python bench/programmes.py --sizes 2000 --import-rows 2000

The last line is one JSON object: report_rows_per_s, report_vs_baseline, import_rows_per_s,
import_vs_duckdb, follow_ups_seconds, peak_rss_mb, per size.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench" / "programmes"
sys.path.insert(0, str(ROOT / "src"))


def _setup_django() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "db.sqlite3"
    db.unlink(missing_ok=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUANAK_SQLITE_PATH"] = str(db)
    os.environ["SATUANAK_DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)


def _populate(n: int) -> Any:
    """n stunted children, their flags (2024Q1 flagged; 2024Q3 clear for one in three) and a PMT
    intervention each (March 2024, GESIT)."""
    from satuanak.accounts.models import User
    from satuanak.flags.models import ChildFlag, FlagAggregate, FlagRun
    from satuanak.interventions.models import Intervention
    from satuanak.persons.models import Child
    from satuanak.regions.models import Desa

    Intervention.objects.all().delete()
    ChildFlag.objects.all().delete()
    Child.objects.all().delete()
    FlagAggregate.objects.all().delete()
    user, _ = User.objects.get_or_create(username="bench", defaults={"role": "health_officer"})
    desa = list(Desa.objects.order_by("code"))
    children = [
        Child(
            name=f"ANAK {i}",
            nik=f"6107{i:012d}",
            sex="L" if i % 2 else "P",
            birth_date=date(2022, 1, 1) + timedelta(days=i % 600),
            desa=desa[i % len(desa)],
        )
        for i in range(n)
    ]
    Child.objects.bulk_create(children, batch_size=5000)
    ids = list(Child.objects.order_by("id").values_list("id", flat=True))
    flags = []
    for i, cid in enumerate(ids):
        flags.append(
            ChildFlag(
                child_id=cid,
                code="stunting",
                rule_version=1,
                period="2024Q1",
                observed_on=date(2024, 2, 20),
                status="flagged",
                value=-2.6,
                reason_id="-",
                reason_en="-",
            )
        )
        cleared = i % 3 == 0
        flags.append(
            ChildFlag(
                child_id=cid,
                code="stunting",
                rule_version=1,
                period="2024Q3",
                observed_on=date(2024, 7, 1),
                status="clear" if cleared else "flagged",
                value=-1.8 if cleared else -2.4,
                reason_id="-",
                reason_en="-",
            )
        )
    ChildFlag.objects.bulk_create(flags, batch_size=5000)
    Intervention.objects.bulk_create(
        [
            Intervention(
                child_id=cid,
                kind="pmt",
                programme="GESIT",
                start_date=date(2024, 3, 1),
                end_date=date(2024, 6, 8),
                given_by=user,
                answers_flag="stunting",
            )
            for cid in ids
        ],
        batch_size=5000,
    )
    FlagAggregate.objects.bulk_create(
        [
            FlagAggregate(
                code="stunting",
                period="2024Q3",
                level="desa",
                area_code=d.code,
                numerator=n // len(desa),
                denominator=n // len(desa) * 4,
                rate=0.25,
            )
            for d in desa
        ]
    )
    FlagRun.objects.create(status="done", as_of=date(2024, 12, 31))
    return user, ids


def _report(user: Any, n: int) -> dict[str, Any]:
    from django.db import connection

    from satuanak.interventions.selectors import follow_ups_due, programme_report

    t = time.perf_counter()
    report = programme_report(user=user, period="2024", today=date(2025, 1, 1))
    seconds = time.perf_counter() - t
    total = report.totals[0]
    assert total.covered == n, (total.covered, n)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.desa_id, COUNT(DISTINCT i.child_id) FROM interventions_intervention i "
            "JOIN persons_child c ON c.id = i.child_id WHERE i.start_date <= %s GROUP BY c.desa_id",
            ["2024-12-31"],
        )
        baseline_rows = cur.fetchall()
    baseline = time.perf_counter() - t
    assert sum(r[1] for r in baseline_rows) == n
    t = time.perf_counter()
    due = follow_ups_due(user=user, today=date(2024, 6, 15))
    follow = time.perf_counter() - t
    return {
        "interventions": n,
        "report_seconds": round(seconds, 3),
        "report_rows_per_s": round(n / seconds),
        "baseline_seconds": round(baseline, 4),
        "report_vs_baseline": round(seconds / baseline, 1),
        "improved": total.improved,
        "follow_ups_seconds": round(follow, 3),
        "follow_ups_listed": len(due),
    }


def _import(user: Any, ids: list[int], rows: int) -> dict[str, Any]:
    import duckdb

    from satuanak.interventions.bulk import COLUMNS, interventions_import

    path = WORK / f"intervensi-{rows}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow([c.header for c in COLUMNS])
        for cid in ids[:rows]:
            w.writerow(["", cid, "Kunjungan rumah TPK", "GESIT", "05/09/2024", "", "rumah", "stunting", ""])
    t = time.perf_counter()
    report = interventions_import(user=user, path=path, file_name=path.name)
    seconds = time.perf_counter() - t
    assert report.accounted and len(report.recorded) == rows, (len(report.recorded), report.rejected[:3])
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', delim=';', header=true, all_varchar=true)"  # noqa: S608 - our own file path
    )
    duck = time.perf_counter() - t
    assert con.execute("SELECT COUNT(*) FROM t").fetchone() == (rows,)
    return {
        "import_rows": rows,
        "import_seconds": round(seconds, 2),
        "import_rows_per_s": round(rows / seconds),
        "duckdb_read_rows_per_s": round(rows / duck),
        "import_vs_duckdb": round(seconds / duck, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()
    _setup_django()
    results: dict[str, Any] = {}
    for n in args.sizes:
        user, ids = _populate(n)
        r = _report(user, n)
        print(
            f"{n:,} interventions: report {r['report_seconds']} s ({r['report_rows_per_s']:,} /s, "
            f"{r['report_vs_baseline']}x a plain count per desa); follow-up list {r['follow_ups_seconds']} s",
            flush=True,
        )
        results[str(n)] = r
        if n == args.sizes[0]:
            imp = _import(user, ids, min(args.import_rows, n))
            print(
                f"bulk import: {imp['import_rows']:,} rows in {imp['import_seconds']} s "
                f"({imp['import_rows_per_s']:,} rows/s; DuckDB's plain read {imp['duckdb_read_rows_per_s']:,}"
                f" rows/s, {imp['import_vs_duckdb']}x)",
                flush=True,
            )
            results["import"] = imp
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
