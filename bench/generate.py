"""Benchmark the synthetic district generator against the bare task.

Each size runs in a fresh subprocess, so peak RSS (ru_maxrss of that child) is per run.  The
baseline, in this process, is the fastest honest way to write the same number of rows without any
realism: numpy draws random columns and polars writes them to one CSV.

    .venv/bin/python bench/generate.py --sizes 100000,1000000

The last line is one JSON object with the figures for the largest size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
from satuanak.synth import generate_district
from satuanak.synth.reference import default_data_dir
t = time.perf_counter()
r = generate_district(out_dir=Path({out!r}), children={n}, seed=2024, data_dir=default_data_dir())
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": r.total_rows, "persons": r.persons}}))
"""


def run_size(n: int, tmp: Path) -> dict[str, float]:
    code = _CHILD.format(src=str(ROOT / "src"), out=str(tmp / f"d{n}"), n=n)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the max over finished children; runs go smallest first, so a
    # larger run's peak is its own.
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"children": n, "seconds": out["seconds"], "rows": out["rows"], "peak_rss_mb": peak_kb / 1024}


def baseline(rows: int, tmp: Path) -> float:
    """Rows/s for numpy + polars writing `rows` random 9-column rows to CSV."""
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    df = pl.DataFrame(
        {
            "nik": rng.integers(10**15, 10**16 - 1, rows),
            "name": rng.integers(0, 10**6, rows).astype(str),
            "dob": rng.integers(0, 20_000, rows).astype("datetime64[D]"),
            "sex": rng.integers(0, 2, rows),
            "desa": rng.integers(0, 124, rows),
            "a": rng.random(rows),
            "b": rng.random(rows),
            "c": rng.integers(0, 100, rows),
            "d": rng.integers(0, 100, rows),
        }
    )
    df.write_csv(tmp / "baseline.csv")
    return rows / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated numbers of children")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    results = []
    with tempfile.TemporaryDirectory(prefix="satuanak-bench-") as tmpname:
        tmp = Path(tmpname)
        for n in sizes:
            r = run_size(n, tmp)
            r["baseline_rows_per_s"] = baseline(int(r["rows"]), tmp)
            results.append(r)
    heads = ("children", "seconds", "rows", "children/s", "rows/s", "baseline rows/s", "ratio", "peak RSS MB")
    widths = (10, 9, 11, 11, 10, 16, 7, 12)
    print(" ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    for r in results:
        rps = r["rows"] / r["seconds"]
        print(
            f"{r['children']:>10,} {r['seconds']:>9.1f} {r['rows']:>11,} "
            f"{r['children'] / r['seconds']:>11,.0f} "
            f"{rps:>10,.0f} {r['baseline_rows_per_s']:>16,.0f} {r['baseline_rows_per_s'] / rps:>7.1f} "
            f"{r['peak_rss_mb']:>12,.0f}"
        )
    last = results[-1]
    rows_per_s = last["rows"] / last["seconds"]
    print(
        json.dumps(
            {
                "children": last["children"],
                "children_per_s": round(last["children"] / last["seconds"], 1),
                "rows_per_s": round(rows_per_s, 1),
                "baseline_rows_per_s": round(last["baseline_rows_per_s"], 1),
                "ratio_to_baseline": round(last["baseline_rows_per_s"] / rows_per_s, 2),
                "seconds": round(last["seconds"], 2),
                "peak_rss_mb": round(last["peak_rss_mb"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
