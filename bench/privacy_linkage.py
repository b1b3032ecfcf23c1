"""Benchmark privacy-preserving linkage: the same linkage question on clear text and on keyed
hashes + Bloom filters (satuanak.linkage.privacy), scored against the generator's ground truth.

A synthetic district is generated (default 20,000 children), its SIAK, e-PPGBM, immunisation and
DAPODIK exports read and validated and turned into linkage records exactly as bench/linkage.py
does (outside the timing). Then:

- hashed: every record encoded as an agency would send it (`privacy.encode_frame`: HMAC of NIK,
  birth date, year-month, year and name words; Bloom filters of the child's and mother's names;
  sex and desa in clear), linked by `privacy.link(..., "hashed")` (Dice of the Bloom filters);
- clear: the same records, normalised, in clear (`privacy.clear_frame`), linked by the same
  blocking rules, weights and threshold with Jaro-Winkler on the names;
- clear_bigram: clear text with the exact bigram Dice the Bloom filters approximate, which
  separates the cost of comparing by bigrams from the cost of the encoding itself.

The blocking rules are equalities, so the three see the very same candidate pairs. Clusters are
connected components of the links; precision, recall and F1 count pairs of records
(linkage.evaluate.score).

    .venv/bin/python bench/privacy_linkage.py                  # 20,000 children
    .venv/bin/python bench/privacy_linkage.py --children 2000

The last line is one JSON object: clear_precision, clear_recall, clear_f1, hashed_precision,
hashed_recall, hashed_f1, f1_cost (clear F1 - hashed F1), encode_rows_per_s, pairs, and more.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ADAPTERS: dict[str, int | None] = {"siak": None, "eppgbm": None, "imunisasi": None, "dapodik": None}


def _bench_linkage() -> Any:
    """bench/linkage.py (its district generation and record preparation: the real path minus the
    database), loaded by path: bench/ is not a package."""
    spec = importlib.util.spec_from_file_location("bench_linkage", ROOT / "bench" / "linkage.py")
    if spec is None or spec.loader is None:
        raise SystemExit("bench/linkage.py not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _records(children: int, base: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    work = base / f"records-{children}"
    if not (work / "records.parquet").is_file():
        bl = _bench_linkage()
        district = bl._district(children, base)
        work.mkdir(parents=True, exist_ok=True)
        print("reading the exports into linkage records ...", flush=True)
        bl.prepare(district, adapters=ADAPTERS, max_records=None, out=work)
    return pl.read_parquet(work / "records.parquet"), pl.read_parquet(work / "truth.parquet")


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    from satuanak.linkage import cluster, evaluate, privacy

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2024, help="the bench key is derived from it")
    args = parser.parse_args()

    base = ROOT / "var" / "bench" / "privacy"
    base.mkdir(parents=True, exist_ok=True)
    records, truth = _records(args.children, base)
    # A fixed bench key (reproducible figures); a real deployment's key is a secret (README).
    key = hashlib.sha256(f"bench-privacy-linkage-{args.seed}".encode()).digest()
    print(f"{records.height:,} records from {args.children:,} children", flush=True)

    t0 = time.perf_counter()
    encoded = privacy.encode_frame(records, key)
    t_encode = time.perf_counter() - t0
    clear = privacy.clear_frame(records)

    t0 = time.perf_counter()
    pairs = privacy.candidate_pairs(encoded)
    t_block = time.perf_counter() - t0
    if not pairs.equals(privacy.candidate_pairs(clear)):
        raise SystemExit("clear and hashed blocking gave different candidate pairs")

    frames: dict[privacy.Method, pl.DataFrame] = {"clear": clear, "clear_bigram": clear, "hashed": encoded}
    results: dict[str, dict[str, Any]] = {}
    defects: dict[str, pl.DataFrame] = {}
    for method, frame in frames.items():
        t0 = time.perf_counter()
        scored = privacy.compare(frame, pairs, method)
        t_compare = time.perf_counter() - t0
        linked = scored.filter(pl.col("weight") >= privacy.LINK_AT)
        ids = frame["record_id"]
        edges = pl.DataFrame({"record_id_l": ids.gather(linked["l"]), "record_id_r": ids.gather(linked["r"])})
        clusters = cluster.components(records["record_id"], edges)
        s = evaluate.score(clusters, truth)
        defects[method] = evaluate.errors_by_defect(clusters, truth)
        results[method] = {
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "links": linked.height,
            "clusters": s.clusters,
            "compare_seconds": round(t_compare, 2),
            "compare_pairs_per_s": round(pairs.height / t_compare) if t_compare else None,
        }

    wire_mb = encoded.estimated_size("mb")
    print()
    print(
        f"encoding: {records.height:,} records in {t_encode:.2f} s ({records.height / t_encode:,.0f} rows/s),"
    )
    print(f"          {wire_mb:.1f} MB as a frame ({wire_mb * 1e6 / records.height:,.0f} bytes per record)")
    print(f"blocking: {pairs.height:,} candidate pairs in {t_block:.2f} s (the same for clear and hashed)")
    print()
    head = ("method", "precision", "recall", "F1", "links", "compare s", "pairs/s")
    print("{:14} {:>9} {:>8} {:>8} {:>8} {:>9} {:>11}".format(*head))
    for name, r in results.items():
        print(
            f"{name:14} {r['precision']:>9.4f} {r['recall']:>8.4f} {r['f1']:>8.4f} {r['links']:>8,}"
            f" {r['compare_seconds']:>9.2f} {r['compare_pairs_per_s']:>11,}"
        )
    c, h = results["clear"], results["hashed"]
    print()
    print(
        f"cost of hashing (clear - hashed): precision {c['precision'] - h['precision']:+.4f},"
        f" recall {c['recall'] - h['recall']:+.4f}, F1 {c['f1'] - h['f1']:+.4f}"
    )
    print()
    print("records split from their person / in a cluster with someone else, by defect:")
    by_defect = (
        defects["clear"]
        .rename({"missed_links": "clear_split", "in_mixed_cluster": "clear_mixed"})
        .join(
            defects["hashed"]
            .drop("records")
            .rename({"missed_links": "hashed_split", "in_mixed_cluster": "hashed_mixed"}),
            on="defect",
            how="full",
            coalesce=True,
        )
        .sort("records", descending=True)
    )
    print("{:36} {:>8} {:>12} {:>12} {:>13} {:>13}".format("defect", "records", *by_defect.columns[2:]))
    for row in by_defect.iter_rows(named=True):
        print(
            f"{row['defect']:36} {row['records']:>8,} {row['clear_split']:>12} {row['clear_mixed']:>12}"
            f" {row['hashed_split']:>13} {row['hashed_mixed']:>13}"
        )
    print(f"\npeak RSS {_peak_mb():,.0f} MB")

    summary: dict[str, Any] = {
        "children": args.children,
        "records": records.height,
        "pairs": pairs.height,
        **{f"{m}_{k}": v for m, r in results.items() for k, v in r.items()},
        "f1_cost": round(c["f1"] - h["f1"], 5),
        "precision_cost": round(c["precision"] - h["precision"], 5),
        "recall_cost": round(c["recall"] - h["recall"], 5),
        "encode_seconds": round(t_encode, 2),
        "encode_rows_per_s": round(records.height / t_encode),
        "block_seconds": round(t_block, 2),
        "encoded_bytes_per_record": round(wire_mb * 1e6 / records.height),
        "peak_rss_mb": _peak_mb(),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", "2")
    main()
