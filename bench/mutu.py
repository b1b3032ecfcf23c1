"""Benchmark the mutu stage (satuanak.mutu): measurement quality per group and quarter, weighing
coverage and the three stunting rates, at district size and beyond, beside a DuckDB baseline.

Database: the default district (100,000 children, about a year of e-PPGBM weighings) generated,
imported, linked and flagged once in a scratch SQLite database, cached under var/bench/mutu/
(built with bench/flags.py's own helper; copied from var/bench/flags/ when that cache already
holds the district with its flags).

Pure computation: the measurement frame the stage reads (every e-PPGBM row of a linked child, with
its z-scores and places: `services.measurements()`) is read from the database once, in its own
process, and kept as Arrow IPC. A fresh worker process per size then times the stage's pure
computation on it -- prepare + counts + judging at all five levels (`services._quality`), the
latest measurement per child and quarter (`services._latest`) and, per quarter, known under-fives,
coverage cells and the three rates (`coverage.*`), as `mutu_recompute` chains them -- beside the
baseline in the same process: DuckDB loading the same frame into its own table and running one
GROUP BY per posyandu and quarter (terminal-digit counts of height and weight, the SD of the three
z-scores, shares of the boolean conditions) into a table. "Beyond" is the district's frame
repeated `--scale` times (default 4) as further districts: child ids offset, place keys suffixed,
so there are `scale` times as many children, posyandu, cadres and kecamatan of the same size.

Timings are the best of `--repeat` runs, mutu and baseline alternating. ratio_vs_baseline is the
mutu computation's time over the baseline's (baseline rows/s over mutu rows/s): 5.0 means five
times slower. Peak memory is the worker's peak RSS during the step (Linux: the high-water mark is
reset before each step through /proc/self/clear_refs), reported absolute (peak_mb: the frame and
Django are resident already) and above the RSS at the step's start (*_added_mb), from each
engine's first run.

End to end: `manage.py mutu recompute` on the cached database in a fresh process (wall time and
peak RSS of that process, from wait4).

    .venv/bin/python bench/mutu.py
    .venv/bin/python bench/mutu.py --children 5000 --scale 2 --repeat 2

The last line is one JSON object: rows_per_s, peak_mb, baseline_rows_per_s, ratio_vs_baseline,
recompute_seconds, recompute_peak_mb, measurements and the other figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import flags as flags_bench  # noqa: E402  # bench/flags.py: its district cache and REFERENCE_DATE

REFERENCE_DATE = flags_bench.REFERENCE_DATE
FRAME_FILE = "measurements.arrow"
CHILDREN_FILE = "children.arrow"
# The place columns that make a group (suffixed per copy in the "beyond" frame).
Z_PLACES = (
    "posyandu_key",
    "posyandu_name",
    "puskesmas_key",
    "puskesmas_name",
    "cadre",
    "kecamatan",
    "desa_of_row",
    "c_kecamatan",
    "desa_name",
)
CHILD_PLACES = ("desa", "kecamatan")
COMPARED = (
    "n",
    "miss_any",
    "biv",
    "pos_wrong",
    "age6",
    *[f"{p}{d}" for p in ("hd", "wd") for d in range(10)],
)


# --- memory ------------------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def _hwm_reset() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@contextmanager
def _measured(out: dict[str, float]) -> Iterator[None]:
    """Wall seconds, peak RSS and the peak above the starting RSS of the block, into `out`."""
    _hwm_reset()
    start = _rss_mb()
    t = time.perf_counter()
    yield
    out["seconds"] = time.perf_counter() - t
    out["peak_mb"] = _status_kb("VmHWM") / 1024
    out["added_mb"] = max(out["peak_mb"] - start, 0.0)


# --- the cached database -------------------------------------------------------------------------------


def _env(work: Path, children: int) -> dict[str, str]:
    """The environment bench/flags.py runs its district under (SQLite only: DATABASE_URL dropped)."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["SATUANAK_SQLITE_PATH"] = str(work / f"flags-{children}.sqlite3")
    env["SATUANAK_STAGING_DIR"] = str(work / f"staging-{children}")
    env["SATUANAK_DEBUG"] = "false"
    env["DJANGO_SETTINGS_MODULE"] = "config.django.base"
    return env


def _flag_runs(db: Path) -> int:
    """Finished flags runs in the database (0 when it has none, or no flags table yet)."""
    if not db.is_file():
        return 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT count(*) FROM flags_flagrun WHERE status = 'done'").fetchone()
    except sqlite3.Error:
        return 0
    finally:
        con.close()
    return int(row[0])


def ensure_database(children: int, work: Path) -> Path:
    """The district imported, linked and flagged in work/flags-N.sqlite3 (with its staging
    directory): copied from bench/flags.py's cache when that has it, else built here by
    bench/flags.py's own helper (generate, import, link, then `flags recompute`)."""
    db = work / f"flags-{children}.sqlite3"
    staging = work / f"staging-{children}"
    theirs = ROOT / "var" / "bench" / "flags"
    their_db = theirs / f"flags-{children}.sqlite3"
    if not _flag_runs(db) and not db.exists() and _flag_runs(their_db):
        print(f"copying the flagged district from {theirs.relative_to(ROOT)} ...", flush=True)
        shutil.copyfile(their_db, db)
        shutil.copytree(theirs / f"staging-{children}", staging, dirs_exist_ok=True)
    if not _flag_runs(db):
        # generates the district if needed, imports and links it once, then runs flags recompute
        print(f"building the {children:,}-children district database (once) ...", flush=True)
        flags_bench.recompute(children, work)
    if not _flag_runs(db):
        raise SystemExit(f"{db} has no finished flags run; delete it and {staging} to rebuild")
    # the mutu tables (a database built before the app existed lacks them)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        check=True,
        env=_env(work, children),
        cwd=ROOT,
    )
    return db


def recompute_end_to_end(children: int, work: Path) -> dict[str, Any]:
    """`manage.py mutu recompute` in a fresh process: wall seconds and its own peak RSS."""
    cmd = [sys.executable, "manage.py", "mutu", "recompute", "--as-of", REFERENCE_DATE]
    print("end to end: " + " ".join(["manage.py", *cmd[2:]]) + " ...", flush=True)
    t = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        cmd, stdout=subprocess.PIPE, env=_env(work, children), cwd=ROOT, text=True
    )
    assert proc.stdout is not None  # stdout=PIPE
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"mutu recompute failed ({proc.returncode}):\n{out[-3000:]}")
    m = re.search(r"selesai dalam ([\d.]+) s: (\d+) pengukuran.*?, (\d+) hasil.*?\((\d+) gagal", out)
    if m is None:
        raise SystemExit(f"unexpected output of mutu recompute:\n{out[-3000:]}")
    measurements = int(m.group(2))
    return {
        "recompute_seconds": round(seconds, 1),
        "recompute_peak_mb": round(usage.ru_maxrss / 1024, 1),
        "recompute_stage_seconds": float(m.group(1)),
        "recompute_measurements": measurements,
        "recompute_measurements_per_s": round(measurements / seconds),
        "recompute_results": int(m.group(3)),
        "recompute_fail_results": int(m.group(4)),
        "recompute_output": out.strip().splitlines()[:3],
    }


# --- worker processes (Django set up on the cached database) -------------------------------------------


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    django.setup()


def worker_extract(frame_dir: Path) -> None:
    """Read the stage's input as `mutu_recompute` does, and keep it as Arrow IPC."""
    from datetime import date

    import polars as pl

    _django()
    from satuanak.mutu import services

    as_of = date.fromisoformat(REFERENCE_DATE)
    t = time.perf_counter()
    children = services._children()
    z = services.measurements(children)
    if z is None or not z.height:
        raise SystemExit("no e-PPGBM measurements of linked children in the database")
    z = z.filter(pl.col("measurement_date") <= as_of)
    seconds = time.perf_counter() - t
    frame_dir.mkdir(parents=True, exist_ok=True)
    z.write_ipc(frame_dir / FRAME_FILE)
    children.write_ipc(frame_dir / CHILDREN_FILE)
    peak = _status_kb("VmHWM") / 1024
    print(json.dumps({"read_seconds": round(seconds, 2), "read_peak_mb": round(peak, 1), "rows": z.height}))


def scaled(z: Any, children: Any, scale: int) -> tuple[Any, Any]:
    """The frames repeated `scale` times as further districts: ids offset, place keys suffixed."""
    import polars as pl

    if scale <= 1:
        return z, children
    offset = int(children["child_id"].max()) + 1

    def copy(frame: pl.DataFrame, k: int, places: tuple[str, ...]) -> pl.DataFrame:
        cols = [c for c in places if c in frame.columns]
        return frame.with_columns(
            pl.col("child_id") + k * offset,
            *[(pl.col(c).cast(pl.String) + f"#{k}").alias(c) for c in cols],
        )

    zs = [z] + [copy(z, k, Z_PLACES) for k in range(1, scale)]
    cs = [children] + [copy(children, k, CHILD_PLACES) for k in range(1, scale)]
    return pl.concat(zs, how="vertical_relaxed"), pl.concat(cs, how="vertical_relaxed")


def mutu_pure(z: Any, children: Any, sp: Any, rule: Any, periods: list[str]) -> dict[str, int]:
    """What `mutu_recompute` computes between reading and writing, through the same functions."""
    import polars as pl

    from satuanak.mutu import coverage, services

    quality = services._quality(z, sp, periods)
    latest_all = services._latest(z.filter(pl.col("period").is_in(periods)), rule)
    latest_all = latest_all.join(children.select("child_id", "kecamatan"), on="child_id", how="left")
    cells = estimates = 0
    for period in sorted(set(latest_all["period"].to_list())):
        known = coverage.known_under_fives(children, period)
        end_rows = z.filter(pl.col("period") <= period)
        weighed = end_rows.filter(pl.col("period") == period)["child_id"].unique()
        ever = end_rows["child_id"].unique()
        cells += coverage.coverage_cells(known, weighed, ever).height
        bad = services._failing_posyandu(quality, period)
        latest = latest_all.filter(pl.col("period") == period)
        est = coverage.estimates(
            known,
            latest,
            excluded_posyandu=bad,
            min_stratum=int(sp.raw.get("min_stratum", 5)),
            rr_high=float(sp.raw.get("rr_high", 1.5)),
        )
        estimates += est.height
    return {"results": quality.height, "coverage_cells": cells, "estimates": estimates}


def _baseline_sql(periods: list[str]) -> str:
    """One GROUP BY per posyandu and quarter: the bare task's aggregates."""
    digits = ",\n  ".join(
        f"count_if(CAST(round({col} * 10) AS BIGINT) % 10 = {d}) AS {p}{d}"
        for col, p in (("height_cm", "hd"), ("weight_kg", "wd"))
        for d in range(10)
    )
    sds = ",\n  ".join(
        f"stddev_samp({k}) FILTER (WHERE {k} BETWEEN {lo} AND {hi}) AS {k}_sd"
        for k, lo, hi in (("haz", -6, 6), ("waz", -6, 5), ("whz", -5, 5))
    )
    quarters = ", ".join(f"'{p}'" for p in periods)
    return f"""
CREATE TABLE agg AS SELECT posyandu_key, period,
  count(*) AS n,
  count_if(birth_date IS NULL OR sex IS NULL OR weight_kg IS NULL OR height_cm IS NULL
           OR position IS NULL) AS miss_any,
  {digits},
  count_if(age_days BETWEEN 0 AND 1826 AND floor(age_days / 30.4375) % 6 = 0) AS age6,
  count_if(day(birth_date) IN (1, 15)) AS day115,
  count_if(haz < -6 OR haz > 6 OR waz < -6 OR waz > 5 OR whz < -5 OR whz > 5) AS biv,
  {sds},
  count_if((position = 'standing' AND age_days < 731) OR (position = 'lying' AND age_days >= 731))
    AS pos_wrong
FROM m
WHERE posyandu_key IS NOT NULL AND period IN ({quarters})
GROUP BY posyandu_key, period
"""  # noqa: S608 - our own constants


def baseline(z: Any, periods: list[str]) -> tuple[Any, float, float]:
    """DuckDB: load the frame into its own table, aggregate into another. (frame, load s, agg s)."""
    import duckdb
    import polars as pl

    cols = [
        "posyandu_key",
        "period",
        "child_id",
        "measurement_date",
        pl.col("c_dob").alias("birth_date"),
        pl.col("c_sex").alias("sex"),
        "weight_kg",
        "height_cm",
        pl.col("position").cast(pl.String),
        "age_days",
        "haz",
        "waz",
        "whz",
    ]
    con = duckdb.connect()
    try:
        t = time.perf_counter()
        frame = z.select(cols).to_arrow()
        con.register("frame", frame)
        con.execute("CREATE TABLE m AS SELECT * FROM frame")
        con.unregister("frame")
        del frame
        load = time.perf_counter() - t
        t = time.perf_counter()
        con.execute(_baseline_sql(periods))
        agg = time.perf_counter() - t
        result = pl.from_arrow(con.sql("SELECT * FROM agg").to_arrow_table())
    finally:
        con.close()
    return result, load, agg


def breakdown(z: Any, children: Any, sp: Any, rule: Any, periods: list[str]) -> dict[str, float]:
    """The same computation step by step (one run), to see which step dominates: seconds, and
    "<step> MB", the most a step's peak RSS rose above its start. Mirrors services._quality and
    the coverage loop of services.mutu_recompute."""
    import polars as pl

    from satuanak.mutu import checks, coverage, services

    s: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        _hwm_reset()
        start = _rss_mb()
        t = time.perf_counter()
        yield
        s[name] = s.get(name, 0.0) + time.perf_counter() - t
        s[f"{name} MB"] = max(s.get(f"{name} MB", 0.0), _status_kb("VmHWM") / 1024 - start)

    rows = services.quality_rows(z)
    with step("prepare"):
        prepared = checks.prepare(rows, sp).filter(pl.col("period").is_in(periods))
    for level, (key, name) in services.LEVEL_KEYS.items():
        with step(f"{level}: filter"):
            part = prepared.filter(pl.col(key).is_not_null())
        extra = (
            [
                pl.col(name).first().alias("name"),
                pl.col("kecamatan").mode().first().alias("kec"),
                pl.col("desa_of_row").mode().first().alias("desa"),
                pl.col("puskesmas_name").mode().first().alias("pkm"),
            ]
            if level != "district"
            else [pl.lit("Kabupaten Bengkayang").alias("name")]
        )
        with step(f"{level}: names (mode)"):
            part.group_by("period", key).agg(extra)
        with step(f"{level}: counts"):
            per_group = checks.counts(part, ["period", key])
        with step(f"{level}: judge (Python)"):
            for c in per_group.iter_rows(named=True):
                checks.judge_group(c, sp)
        s[f"{level}: groups"] = per_group.height
    with step("latest"):
        latest_all = services._latest(z.filter(pl.col("period").is_in(periods)), rule)
    latest_all = latest_all.join(children.select("child_id", "kecamatan"), on="child_id", how="left")
    for period in sorted(set(latest_all["period"].to_list())):
        with step("coverage: known"):
            known = coverage.known_under_fives(children, period)
        with step("coverage: cells"):
            end_rows = z.filter(pl.col("period") <= period)
            weighed = end_rows.filter(pl.col("period") == period)["child_id"].unique()
            coverage.coverage_cells(known, weighed, end_rows["child_id"].unique())
        latest = latest_all.filter(pl.col("period") == period)
        with step("coverage: estimates"):
            coverage.estimates(
                known,
                latest,
                min_stratum=int(sp.raw.get("min_stratum", 5)),
                rr_high=float(sp.raw.get("rr_high", 1.5)),
            )
    return s


def _inputs(frame_dir: Path, scale: int) -> tuple[Any, Any, Any, Any, list[str]]:
    """The frames (scaled), the spec, the stunting rule in force and the quarters, as the stage
    has them (Django set up on the cached database for the rule)."""
    from datetime import date

    import polars as pl

    _django()
    from satuanak.flags.services import rules_in_force
    from satuanak.mutu import services

    z0 = pl.read_ipc(frame_dir / FRAME_FILE)
    c0 = pl.read_ipc(frame_dir / CHILDREN_FILE)
    z, children = scaled(z0, c0, scale)
    del z0, c0
    as_of = date.fromisoformat(REFERENCE_DATE)
    return z, children, services.spec(), rules_in_force(as_of).get("stunting"), services.quarters_back(as_of)


def worker_steps(frame_dir: Path, scale: int) -> None:
    """The step-by-step run alone in a fresh process (so that each step's memory is its own as
    far as the allocators allow: memory freed by one step may be reused by the next)."""
    z, children, sp, rule, periods = _inputs(frame_dir, scale)
    steps = breakdown(z, children, sp, rule, periods)
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in steps.items()}))


def worker_time(frame_dir: Path, scale: int, repeat: int) -> None:
    """Time the mutu computation and the baseline on one frame size, in this (fresh) process."""
    import polars as pl
    from tqdm import tqdm

    from satuanak.mutu import checks

    z, children, sp, rule, periods = _inputs(frame_dir, scale)
    rss_frame = _rss_mb()

    runs: dict[str, list[dict[str, float]]] = {"mutu": [], "baseline": []}
    produced: dict[str, int] = {}
    agg: Any = None
    label = f"{z.height:,} measurements (x{scale})"
    with tqdm(total=2 * repeat, desc=label, unit="run", leave=False, file=sys.stderr) as bar:
        # mutu first: its first run's memory figure has nothing retained from an earlier one
        for _ in range(repeat):
            m: dict[str, float] = {}
            with _measured(m):
                produced = mutu_pure(z, children, sp, rule, periods)
            runs["mutu"].append(m)
            bar.update()
            b: dict[str, float] = {}
            with _measured(b):
                agg, b["load"], b["aggregate"] = baseline(z, periods)
            runs["baseline"].append(b)
            bar.update()

    # the baseline did the same bare task: its per-posyandu counts equal mutu's own
    prepared = checks.prepare(checks.rows_from_growth_z(z, ["posyandu_key"]), sp).filter(
        pl.col("period").is_in(periods) & pl.col("posyandu_key").is_not_null()
    )
    ours = checks.counts(prepared, ["period", "posyandu_key"]).select("period", "posyandu_key", *COMPARED)
    theirs = agg.select("period", "posyandu_key", *COMPARED).sort("period", "posyandu_key")
    same = ours.height == theirs.height and ours.cast(dict.fromkeys(COMPARED, pl.Int64)).equals(
        theirs.cast(dict.fromkeys(COMPARED, pl.Int64))
    )

    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    print(
        json.dumps(
            {
                "scale": scale,
                "measurements": z.height,
                "children": children.height,
                "frame_rss_mb": round(rss_frame, 1),
                "mutu_seconds": round(best["mutu"]["seconds"], 3),
                "mutu_runs_seconds": [round(r["seconds"], 3) for r in runs["mutu"]],
                "mutu_peak_mb": round(runs["mutu"][0]["peak_mb"], 1),
                "mutu_added_mb": round(runs["mutu"][0]["added_mb"], 1),
                "baseline_seconds": round(best["baseline"]["seconds"], 3),
                "baseline_runs_seconds": [round(r["seconds"], 3) for r in runs["baseline"]],
                "baseline_load_seconds": round(best["baseline"]["load"], 3),
                "baseline_aggregate_seconds": round(best["baseline"]["aggregate"], 3),
                "baseline_peak_mb": round(runs["baseline"][0]["peak_mb"], 1),
                "baseline_added_mb": round(runs["baseline"][0]["added_mb"], 1),
                "baseline_groups": agg.height,
                "baseline_counts_equal_mutu": bool(same),
                **produced,
            }
        )
    )


def _worker(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run this script in worker mode in a fresh process; its stderr (progress) passes through."""
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(Path(__file__).resolve()), *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker {args} failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# --- main ----------------------------------------------------------------------------------------------


def _print_size(name: str, r: dict[str, Any]) -> None:
    rps, brps = r["measurements"] / r["mutu_seconds"], r["measurements"] / r["baseline_seconds"]
    print(
        f"{name}: {r['measurements']:,} measurements of {r['children']:,} children"
        f" (frame resident: {r['frame_rss_mb']:,.0f} MB)\n"
        f"  mutu pure computation  {r['mutu_seconds']:8.2f} s  {rps:>12,.0f} rows/s"
        f"  peak {r['mutu_peak_mb']:7,.0f} MB (+{r['mutu_added_mb']:,.0f} MB)"
        f"  -> {r['results']:,} check results, {r['coverage_cells']:,} coverage cells,"
        f" {r['estimates']:,} estimates\n"
        f"  DuckDB baseline        {r['baseline_seconds']:8.2f} s  {brps:>12,.0f} rows/s"
        f"  peak {r['baseline_peak_mb']:7,.0f} MB (+{r['baseline_added_mb']:,.0f} MB)"
        f"  (load {r['baseline_load_seconds']:.2f} s, GROUP BY {r['baseline_aggregate_seconds']:.2f} s;"
        f" {r['baseline_groups']:,} posyandu-quarters; counts equal mutu's:"
        f" {'yes' if r['baseline_counts_equal_mutu'] else 'NO'})\n"
        f"  ratio mutu / baseline  {r['mutu_seconds'] / r['baseline_seconds']:8.1f} x slower"
    )


def _step_seconds(steps: dict[str, Any]) -> dict[str, float]:
    return {k: v for k, v in steps.items() if not k.endswith((": groups", " MB"))}


def _print_steps(steps: dict[str, Any]) -> None:
    timed = _step_seconds(steps)
    total = sum(timed.values()) or 1.0
    print(f"  steps (one run, the same calls one by one; {total:.2f} s in all; those over 1%):")
    for k, v in sorted(timed.items(), key=lambda kv: -kv[1]):
        if v < total / 100:
            continue
        groups = steps.get(k.split(":")[0] + ": groups")
        extra = f"  ({groups:,} groups)" if groups is not None and "judge" in k else ""
        print(f"    {k:28} {v:8.3f} s  {v / total:6.1%}  peak +{steps[k + ' MB']:6,.0f} MB{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000, help="district size (default 100,000)")
    parser.add_argument("--scale", type=int, default=4, help="'beyond': the frame repeated N times (4)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine and size (3)")
    parser.add_argument("--worker", choices=["extract", "time", "steps"], help=argparse.SUPPRESS)
    parser.add_argument("--frame-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "extract":
        worker_extract(args.frame_dir)
        return
    if args.worker == "steps":
        worker_steps(args.frame_dir, args.scale)
        return
    if args.worker == "time":
        worker_time(args.frame_dir, args.scale, args.repeat)
        return

    work = ROOT / "var" / "bench" / "mutu"
    work.mkdir(parents=True, exist_ok=True)
    ensure_database(args.children, work)
    env = _env(work, args.children)

    e2e = recompute_end_to_end(args.children, work)
    print(
        f"end to end: {e2e['recompute_measurements']:,} measurements in {e2e['recompute_seconds']} s"
        f" ({e2e['recompute_measurements_per_s']:,} measurements/s; the stage's own clock"
        f" {e2e['recompute_stage_seconds']} s), peak RSS {e2e['recompute_peak_mb']:,.0f} MB;"
        f" {e2e['recompute_results']:,} check results ({e2e['recompute_fail_results']:,} failed)"
    )

    frame_dir = work / f"frame-{args.children}"
    print("reading the measurement frame (services.measurements, fresh process) ...", flush=True)
    read = _worker(["--worker", "extract", "--frame-dir", str(frame_dir)], env)
    print(f"  {read['rows']:,} rows in {read['read_seconds']} s, peak {read['read_peak_mb']:,.0f} MB")

    sizes = {}
    for scale in sorted({1, max(args.scale, 1)}):
        name = "district" if scale == 1 else f"beyond (x{scale})"
        print(f"timing {name} ...", flush=True)
        common = ["--frame-dir", str(frame_dir), "--repeat", str(args.repeat)]
        sizes[scale] = _worker(["--worker", "time", "--scale", str(scale), *common], env)
        sizes[scale]["steps"] = _worker(["--worker", "steps", "--scale", str(scale), *common], env)
        _print_size(name, sizes[scale])
        _print_steps(sizes[scale]["steps"])

    d = sizes[1]
    big = sizes[max(sizes)]
    summary: dict[str, Any] = {
        "measurements": d["measurements"],
        "children": args.children,
        "rows_per_s": round(d["measurements"] / d["mutu_seconds"]),
        "peak_mb": d["mutu_peak_mb"],
        "added_mb": d["mutu_added_mb"],
        "baseline_rows_per_s": round(d["measurements"] / d["baseline_seconds"]),
        "baseline_peak_mb": d["baseline_peak_mb"],
        "baseline_added_mb": d["baseline_added_mb"],
        "ratio_vs_baseline": round(d["mutu_seconds"] / d["baseline_seconds"], 2),
        "mutu_seconds": d["mutu_seconds"],
        "baseline_seconds": d["baseline_seconds"],
        "beyond_scale": big["scale"],
        "beyond_measurements": big["measurements"],
        "beyond_rows_per_s": round(big["measurements"] / big["mutu_seconds"]),
        "beyond_peak_mb": big["mutu_peak_mb"],
        "beyond_added_mb": big["mutu_added_mb"],
        "beyond_baseline_rows_per_s": round(big["measurements"] / big["baseline_seconds"]),
        "beyond_baseline_peak_mb": big["baseline_peak_mb"],
        "beyond_ratio_vs_baseline": round(big["mutu_seconds"] / big["baseline_seconds"], 2),
        "baseline_counts_equal_mutu": d["baseline_counts_equal_mutu"] and big["baseline_counts_equal_mutu"],
        "read_seconds": read["read_seconds"],
        "read_peak_mb": read["read_peak_mb"],
        **{k: v for k, v in e2e.items() if k != "recompute_output"},
        "steps_seconds": _step_seconds(d["steps"]),
        "steps_added_mb": {k[:-3]: round(v) for k, v in d["steps"].items() if k.endswith(" MB")},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
