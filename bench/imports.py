"""Benchmark the import of e-PPGBM files: 1,000,000 rows from CSV and from XLSX, on SQLite and on
PostgreSQL, beside DuckDB's plain read of the same CSV in the same run.

The rows are real generator output (a district of ~430,000 children gives ~1,000,000 weighings),
not one row copied: validation meets the same mix of defects as in the demo. Each import runs in
a fresh subprocess on a fresh database, so its peak RSS is its own. The baseline is the bare task
done the fastest honest way: DuckDB loading the CSV into its own table
(`CREATE TABLE t AS SELECT * FROM read_csv(...)`).

    .venv/bin/python bench/imports.py                 # 1,000,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/imports.py --rows 100000 --no-postgres

The last line is one JSON object with `csv_rows_per_s`, `ratio_to_duckdb_read` and `peak_rss_mb`
(SQLite, CSV), and the other runs' figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from satuanak.core.sources import Source  # noqa: E402
from satuanak.imports.readers import read_table  # noqa: E402
from satuanak.sources import adapters_for  # noqa: E402
from satuanak.synth import generate_district  # noqa: E402
from satuanak.synth.writers import Column, Sheet, write_xlsx  # noqa: E402

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/satuanak_bench"

_CHILD = r"""
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
os.environ["SATUANAK_DEBUG"] = "false"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("load_reference", verbosity=0)
from satuanak.core.sources import Source
from satuanak.imports.services import import_file_run
t = time.perf_counter()
batches = import_file_run(source=Source.EPPGBM, path=Path({path!r}))
seconds = time.perf_counter() - t
b = batches[0]
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process's own peak, in MB
print(json.dumps({{"seconds": seconds, "rows_in": b.rows_in, "accepted": b.accepted, "rejected": b.rejected,
                  "status": b.status, "peak_rss_mb": round(peak, 1)}}))
"""


def build_files(rows: int, work: Path) -> tuple[Path, Path]:
    """One e-PPGBM CSV and one XLSX of `rows` generated rows (cached under var/bench/)."""
    csv_path, xlsx_path = work / f"eppgbm_{rows}.csv", work / f"eppgbm_{rows}.xlsx"
    if csv_path.exists() and xlsx_path.exists():
        return csv_path, xlsx_path
    children = max(2_000, int(rows / 2.35))  # ~2.35 weighings per child in the generated district
    district = work / "district"
    while True:
        print(f"generating {children:,} children for {rows:,} weighings ...", flush=True)
        generate_district(out_dir=district, children=children, seed=2024, data_dir=ROOT / "data")
        adapter = adapters_for(Source.EPPGBM)[0]
        frames: list[pl.DataFrame] = []
        for path in sorted((district / "exports" / "eppgbm").glob("*.xlsx")):
            frame = read_table(path, header_score=adapter.header_score).frame.drop("__row")
            frames.append(
                frame.rename(dict(zip(frame.columns, frames[0].columns, strict=True))) if frames else frame
            )
        whole = pl.concat(frames)
        if whole.height >= rows:
            break
        children = int(children * rows / whole.height * 1.05)
    whole = whole.head(rows)
    whole.write_csv(csv_path)
    columns = [Column(c, c) for c in whole.columns]
    write_xlsx(
        xlsx_path,
        [Sheet("Penimbangan", whole, columns, ["LAPORAN HASIL PENIMBANGAN BALITA"])],
        created=date(2024, 12, 31),
    )
    return csv_path, xlsx_path


def duckdb_read_seconds(csv_path: Path) -> float:
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")  # noqa: S608 - our own path
    seconds = time.perf_counter() - t
    n = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    assert n is not None
    return seconds


def run_import(path: Path, *, database: str, tmp: Path) -> dict[str, float | int | str]:
    env = dict(os.environ)
    if database == "postgres":
        for sql in ("DROP DATABASE IF EXISTS satuanak_bench", "CREATE DATABASE satuanak_bench"):
            subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True)  # noqa: S603, S607
        env["DATABASE_URL"] = PG_BENCH
    else:
        env.pop("DATABASE_URL", None)
        db = tmp / f"bench-{path.suffix[1:]}.sqlite3"
        for p in tmp.glob(db.name + "*"):
            p.unlink()
        env["SATUANAK_SQLITE_PATH"] = str(db)
    env["SATUANAK_STAGING_DIR"] = str(tmp / f"staging-{database}-{path.suffix[1:]}")
    code = _CHILD.format(src=str(ROOT / "src"), path=str(path))
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({database}, {path.name}):\n{proc.stderr[-3000:]}")
    out: dict[str, float | int | str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = build_files(args.rows, work)
    baseline = duckdb_read_seconds(csv_path)
    results: dict[str, dict[str, float | int | str]] = {}
    plan = [("sqlite", "csv", csv_path), ("sqlite", "xlsx", xlsx_path)]
    if not args.no_postgres:
        plan += [("postgres", "csv", csv_path), ("postgres", "xlsx", xlsx_path)]
    with tempfile.TemporaryDirectory() as tmp:
        for database, fmt, path in plan:
            r = run_import(path, database=database, tmp=Path(tmp))
            r["rows_per_s"] = round(int(r["rows_in"]) / float(r["seconds"]), 1)
            r["ratio_to_duckdb_read"] = round(float(r["seconds"]) / baseline, 2)
            results[f"{database}_{fmt}"] = r
    print(
        f"\ne-PPGBM import, {args.rows:,} rows; DuckDB plain read of the CSV: {baseline:.2f} s "
        f"({args.rows / baseline:,.0f} rows/s)"
    )
    print(
        f"{'run':<16}{'seconds':>9}{'rows/s':>11}{'accepted':>10}{'rejected':>10}{'×duckdb':>9}{'peak MB':>9}"
    )
    for name, r in results.items():
        print(
            f"{name:<16}{float(r['seconds']):>9.1f}{float(r['rows_per_s']):>11,.0f}{int(r['accepted']):>10,}"
            f"{int(r['rejected']):>10,}{float(r['ratio_to_duckdb_read']):>9.1f}{float(r['peak_rss_mb']):>9,.0f}"
        )
    main_run = results["sqlite_csv"]
    summary = {
        "rows": args.rows,
        "csv_rows_per_s": main_run["rows_per_s"],
        "ratio_to_duckdb_read": main_run["ratio_to_duckdb_read"],
        "peak_rss_mb": main_run["peak_rss_mb"],
        "duckdb_read_s": round(baseline, 3),
        **{f"{k}_rows_per_s": v["rows_per_s"] for k, v in results.items()},
        **{f"{k}_ratio": v["ratio_to_duckdb_read"] for k, v in results.items()},
        **{f"{k}_peak_rss_mb": v["peak_rss_mb"] for k, v in results.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
