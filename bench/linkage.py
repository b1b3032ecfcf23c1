"""Benchmark linkage: 100,000 children (SIAK) against 300,000 e-PPGBM rows, and a 1,000,000-record
deduplication, on DuckDB (Splink's default backend), with the Spark backend's figure beside it.

Records come from generated districts through the real path minus the database: each export is
read (imports.readers) and validated (sources adapters), and the accepted rows become linkage
records (linkage.records). Each run goes in a fresh subprocess so its peak RSS is its own. The
wall time is the linkage itself (train: u by random sampling and m by EM; score the blocked
pairs; NIK links; clusters), not the reading of the files, which bench/imports.py measures.

    .venv/bin/python bench/linkage.py                       # the issue's sizes, with Spark
    .venv/bin/python bench/linkage.py --link-children 20000 --link-rows 60000 --dedupe 200000 --no-spark

The last line is one JSON object: dedupe_1m_seconds, dedupe_1m_peak_rss_mb, f1, precision, recall
(of the 1,000,000-record run), and the other runs' figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

AS_OF = date(2024, 12, 31)
SOURCES = {"siak": "siak", "eppgbm": "eppgbm", "imunisasi": "imunisasi", "dapodik": "dapodik"}


def _district(children: int, work: Path) -> Path:
    from satuanak.synth import generate_district

    out = work / f"district-{children}"
    if not (out / "ground_truth" / "source_rows.parquet").is_file():
        print(f"generating {children:,} children ...", flush=True)
        generate_district(
            out_dir=out, children=children, seed=2024, data_dir=ROOT / "data", reference_date=AS_OF
        )
    return out


def _staged(district: Path, adapter: str, limit_rows: int | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The accepted rows of every export of one format (as staging would hold them), and the
    batches frame evaluate.record_truth needs."""
    from satuanak.imports.readers import read_table
    from satuanak.sources import ADAPTERS
    from satuanak.sources.reference import ReferenceData

    ref = ReferenceData.from_data_dir(ROOT / "data")
    a = ADAPTERS[adapter]
    frames: list[pl.DataFrame] = []
    batches: list[tuple[int, str, str, int]] = []
    for i, path in enumerate(sorted((district / "exports" / SOURCES[adapter]).iterdir())):
        raw = read_table(path, header_score=a.header_score)
        res = a.validate(raw.frame, ref=ref, today=AS_OF)
        batch_id = len(frames) + 1 + 1000 * list(SOURCES).index(adapter)
        frames.append(res.accepted.with_columns(pl.lit(batch_id, dtype=pl.Int64).alias("batch_id")))
        batches.append((batch_id, path.name, raw.sheet or "", raw.header_row))
        del i
    staged = pl.concat(frames, how="diagonal_relaxed")
    if limit_rows is not None:
        staged = staged.head(limit_rows)
    return staged, pl.DataFrame(
        batches,
        schema={"id": pl.Int64, "file_name": pl.String, "sheet": pl.String, "header_row": pl.Int64},
        orient="row",
    )


def prepare(district: Path, *, adapters: dict[str, int | None], max_records: int | None, out: Path) -> None:
    """Write records, record rows and the truth per record for one run (outside the timing)."""
    from satuanak.linkage import evaluate
    from satuanak.linkage.records import source_records, with_comparison_columns

    recs, rows, batches = [], [], []
    for adapter, limit in adapters.items():
        staged, b = _staged(district, adapter, limit)
        r, rr = source_records(adapter, staged.lazy(), as_of=AS_OF)
        recs.append(r)
        rows.append(rr)
        batches.append(b)
    records = pl.concat(recs)
    if max_records is not None:
        records = records.head(max_records)
    record_rows = pl.concat(rows).join(records.select("record_id"), on="record_id", how="semi")
    truth = evaluate.record_truth(
        record_rows, pl.concat(batches), pl.read_parquet(district / "ground_truth" / "source_rows.parquet")
    )
    with_comparison_columns(records).write_parquet(out / "records.parquet")
    truth.write_parquet(out / "truth.parquet")


def run_linkage(work: Path, *, backend: str, model_path: Path | None) -> dict[str, Any]:
    """In this (child) process: train (unless a model is given), score, cluster, evaluate."""
    from satuanak.linkage import cluster, evaluate, model

    records = pl.read_parquet(work / "records.parquet")
    truth = pl.read_parquet(work / "truth.parquet")
    t0 = time.perf_counter()
    if model_path is None:
        trained = model.train(records)
        (work / "model.json").write_text(trained.to_json(), encoding="utf-8")
    else:
        trained = model.Trained(model=json.loads(model_path.read_text(encoding="utf-8")))
    t_train = time.perf_counter() - t0
    pairs = model.predict(records, trained, threshold=0.80, backend=backend)
    pairs = cluster.with_nik_distance(pairs, records)
    t_predict = time.perf_counter() - t0 - t_train
    links, conflicts = cluster.nik_links(records)
    ok = pairs.filter(
        (pl.col("match_probability") >= 0.99)
        & (pl.col("nik_distance").is_null() | (pl.col("nik_distance") <= 1))
    ).join(conflicts.select("record_id_l", "record_id_r"), on=["record_id_l", "record_id_r"], how="anti")
    edges = pl.concat([links.select("record_id_l", "record_id_r"), ok.select("record_id_l", "record_id_r")])
    clusters = cluster.components(records["record_id"], edges)
    seconds = time.perf_counter() - t0
    scores = evaluate.score(clusters, truth)
    pairs.select("record_id_l", "record_id_r").write_parquet(work / f"pairs-{backend}.parquet")
    jvm = _children_peak_rss_mb()  # Spark runs in a JVM beside this process: count it too
    return {
        "jvm_peak_rss_mb": jvm,
        "records": records.height,
        "seconds": round(seconds, 1),
        "train_seconds": round(t_train, 1),
        "predict_seconds": round(t_predict, 1),
        "pairs_at_review_threshold": pairs.height,
        "clusters": clusters["cluster_id"].n_unique(),
        "precision": scores.precision,
        "recall": scores.recall,
        "f1": scores.f1,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _children_peak_rss_mb() -> float:
    """Peak RSS (VmHWM) of this process's child processes still running (Spark's JVM)."""
    total = 0.0
    me = str(os.getpid())
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
            total += int(fields["VmHWM"].split()[0]) / 1024
    return round(total, 1)


def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"run failed: {args}\n{proc.stderr[-4000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--link-children", type=int, default=100_000)
    parser.add_argument("--link-rows", type=int, default=300_000)
    parser.add_argument("--dedupe", type=int, default=1_000_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        work, backend, model_arg = Path(args.child[0]), args.child[1], args.child[2]
        if backend == "count":  # its own process: counting pairs is not part of the run's memory
            from satuanak.linkage import model

            records = pl.read_parquet(work / "records.parquet")
            print(json.dumps({"comparisons": model.count_comparisons(records)}))
            return
        model_path = Path(model_arg) if model_arg != "-" else None
        print(json.dumps(run_linkage(work, backend=backend, model_path=model_path)))
        return

    base = ROOT / "var" / "bench" / "linkage"
    base.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}

    # 1. 100,000 SIAK children against 300,000 e-PPGBM rows (a district with enough weighings)
    link_dir = base / f"link-{args.link_children}-{args.link_rows}"
    link_dir.mkdir(exist_ok=True)
    if not (link_dir / "records.parquet").is_file():
        district = _district(int(args.link_rows / 2.3), base)
        siak_children = int(args.link_children)
        prepare(district, adapters={"siak": None, "eppgbm": args.link_rows}, max_records=None, out=link_dir)
        recs = pl.read_parquet(link_dir / "records.parquet")
        keep = pl.concat(
            [
                recs.filter(pl.col("source") == "siak").head(siak_children),
                recs.filter(pl.col("source") != "siak"),
            ]
        )
        keep.write_parquet(link_dir / "records.parquet")
    print("linking SIAK children against e-PPGBM (DuckDB) ...", flush=True)
    results["link_duckdb"] = _child([str(link_dir), "duckdb", "-"])
    results["link_duckdb"] |= _child([str(link_dir), "count", "-"])
    if not args.no_spark:
        print("the same on Spark (local[2]) with the same model ...", flush=True)
        results["link_spark"] = _child([str(link_dir), "spark", str(link_dir / "model.json")])
        results["link_spark"]["comparisons"] = results["link_duckdb"]["comparisons"]
        same = (
            pl.read_parquet(link_dir / "pairs-duckdb.parquet")
            .sort(["record_id_l", "record_id_r"])
            .equals(pl.read_parquet(link_dir / "pairs-spark.parquet").sort(["record_id_l", "record_id_r"]))
        )
        results["link_spark"]["same_pairs_as_duckdb"] = same

    # 2. a 1,000,000-record deduplication (every person-bearing source of a large district)
    dedupe_dir = base / f"dedupe-{args.dedupe}"
    dedupe_dir.mkdir(exist_ok=True)
    if not (dedupe_dir / "records.parquet").is_file():
        district = _district(int(args.dedupe / 1.95), base)
        prepare(
            district,
            adapters={"siak": None, "eppgbm": None, "imunisasi": None, "dapodik": None},
            max_records=args.dedupe,
            out=dedupe_dir,
        )
    print(f"deduplicating {args.dedupe:,} records (DuckDB) ...", flush=True)
    results["dedupe_duckdb"] = _child([str(dedupe_dir), "duckdb", "-"])
    results["dedupe_duckdb"] |= _child([str(dedupe_dir), "count", "-"])

    print()
    head = ("run", "records", "seconds", "comparisons", "peak MB", "precision", "recall", "F1")
    print("{:16} {:>10} {:>8} {:>12} {:>8} {:>9} {:>7} {:>7}".format(*head))
    for name, r in results.items():
        print(
            f"{name:16} {r['records']:>10,} {r['seconds']:>8} {r['comparisons']:>12,}"
            f" {r['peak_rss_mb']:>8,.0f} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}"
        )
    d = results["dedupe_duckdb"]
    summary = {
        "dedupe_records": d["records"],
        "dedupe_1m_seconds": d["seconds"],
        "dedupe_1m_peak_rss_mb": d["peak_rss_mb"],
        "dedupe_1m_comparisons": d["comparisons"],
        "f1": d["f1"],
        "precision": d["precision"],
        "recall": d["recall"],
        **{f"{name}_{k}": v for name, r in results.items() for k, v in r.items() if k != "records"},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", "2")
    main()
