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

A second scenario, "wired", runs the path an agency and the platform run (linkage/encoded.py,
the code behind `satuanak privacy encode` and `satuanak linkage link-encoded`), on real files:

- encode: every e-PPGBM and immunisation export of the district (17 XLSX + 1 CSV) is read,
  validated and encoded into an encoded CSV by `encoded_file_write` (timed: rows/s);
- link: each encoded CSV is read and checked by `encoded_file_read` and linked to the golden
  children by `encoded_rows_link` (timed); the golden children are the generator's children in
  clear (as persons.Child would hold them), encoded once with the same key;
- clear: the very rows the encoder encoded (`export_read`), in clear, linked to the clear golden
  children by the same `privacy.link_to` with Jaro-Winkler names (timed);
- absent: every tenth child is left out of the golden records (a child the platform does not
  know yet): its rows must come back unmatched, and matching them to someone else costs
  precision;
- baseline: the NIK token alone (a row matches the child with the same NIK HMAC), what hashing
  the NIK only would give.

Each row is scored against the generator's truth (the person of the file's row): precision =
right child among rows matched, recall = right child among all rows read (rows the import
refuses count as missed, the same for every method). The database is not used (the golden
children come from the truth, as the other benches take records from the files); the wired
scenario runs first, so the peak RSS after it is its own.

    .venv/bin/python bench/privacy_linkage.py                  # 20,000 children, both scenarios
    .venv/bin/python bench/privacy_linkage.py --children 2000 --scenario wired

The last line is one JSON object: clear_precision, clear_recall, clear_f1, hashed_precision,
hashed_recall, hashed_f1, f1_cost (clear F1 - hashed F1), encode_rows_per_s, pairs, and the
wired scenario's figures prefixed wired_ (wired_hashed_f1, wired_clear_f1, wired_f1_cost,
wired_encode_rows_per_s, wired_link_rows_per_s, wired_baseline_nik_only_f1, ...).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import resource
import subprocess
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


WIRED_SOURCES = ("eppgbm", "imunisasi")


def _golden(district: Path) -> pl.DataFrame:
    """The generator's children in clear, as persons.Child holds them (encoded.golden_children's
    columns): child_id (the truth's person id), nik, name, mother_name, dob, sex, desa."""
    persons = pl.read_parquet(district / "ground_truth" / "persons.parquet")
    mothers = persons.select(pl.col("person_id").alias("mother_id"), pl.col("name").alias("mother_name"))
    return (
        persons.filter(pl.col("role") == "anak")
        .join(mothers, on="mother_id", how="left", maintain_order="left")
        .select(
            pl.col("person_id").cast(pl.Int64).alias("child_id"),
            "nik",
            "name",
            "mother_name",
            "dob",
            "sex",
            pl.col("desa_code").alias("desa"),
        )
    )


def _row_scores(rows: pl.DataFrame, matched: str) -> dict[str, Any]:
    """Precision, recall, F1 of one method's per-row matches (`matched`: the child id of a
    "match", else null) against the truth's person_id (null: not a golden child)."""
    predicted = rows.filter(pl.col(matched).is_not_null()).height
    correct = rows.filter(pl.col(matched) == pl.col("person_id")).height
    true = rows.filter(pl.col("person_id").is_not_null()).height
    p = correct / predicted if predicted else 0.0
    r = correct / true if true else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 5), "recall": round(r, 5), "f1": round(f1, 5), "matched": predicted}


def run_wired(children: int, base: Path, key: bytes, absent_every: int = 10) -> dict[str, Any]:
    """The wired scenario (module docstring). Every `absent_every`-th child is left out of the
    golden records (not yet known to the platform): its rows must come back unmatched, and a
    match to another child counts against precision. Returns the figures (unprefixed)."""
    from satuanak.imports.readers import ROW
    from satuanak.linkage import encoded, privacy

    bl = _bench_linkage()
    district = base / f"district-{children}"
    if not (district / "ground_truth" / "source_rows.parquet").is_file():
        # in a child process: the generator's memory is not the wired path's peak
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(Path(__file__).resolve()), "--children", str(children), "--generate-only"],
            check=True,
        )
    district = bl._district(children, base)
    as_of = bl.AS_OF
    out_dir = base / f"wired-{children}"
    out_dir.mkdir(parents=True, exist_ok=True)
    golden = _golden(district).filter(pl.col("child_id") % absent_every != 0)
    files = [(src, f) for src in WIRED_SOURCES for f in sorted((district / "exports" / src).iterdir())]

    t0 = time.perf_counter()
    golden_hashed = encoded.golden_encode(golden, key)
    t_golden = time.perf_counter() - t0
    golden_clear = privacy.clear_frame(golden.with_columns(pl.col("dob").cast(pl.String)), keep=())
    child_ids = golden["child_id"]

    t_encode = t_link = t_clear = 0.0
    rows_read = refused = 0
    per_file: list[pl.DataFrame] = []
    for src, path in files:
        enc_path = out_dir / f"{path.stem}.encoded.csv"
        t0 = time.perf_counter()
        summary = encoded.encoded_file_write(
            path=path, out=enc_path, key=key, fmt=src, today=as_of, data_dir=ROOT / "data"
        )
        t_encode += time.perf_counter() - t0
        rows_read += summary.rows
        refused += summary.refused

        t0 = time.perf_counter()
        read = encoded.encoded_file_read(path=enc_path, key=key)
        hashed = encoded.encoded_rows_link(encoded=read, golden=golden, key=key, golden_encoded=golden_hashed)
        hashed.write_csv(out_dir / f"{path.stem}.result.csv")
        t_link += time.perf_counter() - t0

        # clear text: the same accepted rows, read again outside the timing
        export = encoded.export_read(path=path, fmt=src, today=as_of, data_dir=ROOT / "data")
        clear_rows = privacy.clear_frame(export.identities, keep=(ROW,))
        t0 = time.perf_counter()
        decided = privacy.link_to(clear_rows, golden_clear, "clear")
        t_clear += time.perf_counter() - t0

        def matched(decisions: pl.DataFrame) -> pl.Series:
            hit = decisions["decision"] == "match"
            return child_ids.gather(decisions["r"].fill_null(0)).zip_with(
                hit, pl.Series([None], dtype=pl.Int64)
            )

        clear = pl.DataFrame({ROW: clear_rows[ROW], "clear": matched(decided)})
        # the NIK token alone: the child with the same NIK HMAC, if exactly one
        nik_only = (
            read.frame.filter(pl.col("reason_code").is_null())
            .select(pl.col("row_ref").cast(pl.Int64).alias(ROW), "nik_hmac")
            .join(
                golden_hashed.select("nik_hmac", child_ids.alias("nik_only"))
                .drop_nulls("nik_hmac")
                .filter(pl.col("nik_hmac").is_unique()),
                on="nik_hmac",
                how="left",
            )
            .select(ROW, "nik_only")
        )
        rel = f"exports/{src}/{path.name}"
        per_file.append(
            hashed.select(
                pl.lit(rel).alias("file"),
                pl.col("row_ref").cast(pl.Int64).alias(ROW),
                pl.col("class"),
                pl.when(pl.col("class") == "match").then(pl.col("child_id")).alias("hashed"),
                pl.when(pl.col("class") == "possible").then(pl.col("child_id")).alias("possible"),
            )
            .join(clear, on=ROW, how="left")
            .join(nik_only, on=ROW, how="left")
            .with_columns((pl.col(ROW) - summary.header_row).alias("row"))
        )
    peak_after_wired = _peak_mb()

    truth = (
        pl.read_parquet(district / "ground_truth" / "source_rows.parquet")
        .filter(pl.col("source").is_in(WIRED_SOURCES))
        .select("file", "row", pl.col("person_id").cast(pl.Int64))
        .with_columns(pl.when(pl.col("person_id").is_in(child_ids.implode())).then(pl.col("person_id")))
    )
    rows = pl.concat(per_file).join(truth, on=["file", "row"], how="left")
    if rows.height != rows_read:
        raise SystemExit(f"rows lost: {rows.height} of {rows_read}")
    scores = {m: _row_scores(rows, m) for m in ("hashed", "clear", "nik_only")}
    classes = dict(rows.group_by("class").len().iter_rows())
    absent = rows.filter(pl.col("person_id").is_null())
    absent_rows = absent.height
    absent_wrong = {m: absent.filter(pl.col(m).is_not_null()).height for m in ("hashed", "clear")}
    possible_right = rows.filter(pl.col("possible") == pl.col("person_id")).height

    print(
        f"\nwired: {len(files)} files ({', '.join(WIRED_SOURCES)}), {rows_read:,} rows,"
        f" {golden.height:,} children"
    )
    print(
        f"  encode  {rows_read / t_encode:>9,.0f} rows/s  ({t_encode:.2f} s: read, validate, encode, write)"
    )
    print(f"  golden  {golden.height / t_golden:>9,.0f} children/s encoded ({t_golden:.2f} s, once)")
    print(f"  link    {rows_read / t_link:>9,.0f} rows/s  ({t_link:.2f} s: read, check, link, write result)")
    print(f"  clear   {rows_read / t_clear:>9,.0f} rows/s  ({t_clear:.2f} s: link only)")
    print(
        "  classes (hashed): "
        + ", ".join(f"{k} {classes.get(k, 0):,}" for k in encoded.CLASSES)
        + f"; possible with the right child {possible_right:,}"
    )
    print(
        f"  rows of children absent from the golden records: {absent_rows:,}; matched to someone else:"
        f" hashed {absent_wrong['hashed']:,}, clear {absent_wrong['clear']:,}"
    )
    print("{:26} {:>9} {:>8} {:>8} {:>9}".format("method", "precision", "recall", "F1", "matched"))
    names = {"clear": "clear text", "hashed": "keyed hashes + Bloom", "nik_only": "baseline: NIK token only"}
    for m, label in names.items():
        r = scores[m]
        print(f"{label:26} {r['precision']:>9.4f} {r['recall']:>8.4f} {r['f1']:>8.4f} {r['matched']:>9,}")
    c, h = scores["clear"], scores["hashed"]
    print(
        f"  cost of hashing (clear - hashed): F1 {c['f1'] - h['f1']:+.4f};"
        f" peak RSS {peak_after_wired:,.0f} MB"
    )
    return {
        "files": len(files),
        "rows": rows_read,
        "children": golden.height,
        "refused": refused,
        **{f"{m}_{k}": v for m, r in scores.items() for k, v in r.items()},
        "baseline_nik_only_f1": scores["nik_only"]["f1"],
        "f1_cost": round(c["f1"] - h["f1"], 5),
        "precision_cost": round(c["precision"] - h["precision"], 5),
        "recall_cost": round(c["recall"] - h["recall"], 5),
        "possible": classes.get("possible", 0),
        "possible_right": possible_right,
        "rows_of_absent_children": absent_rows,
        "absent_wrongly_matched_hashed": absent_wrong["hashed"],
        "absent_wrongly_matched_clear": absent_wrong["clear"],
        "no_match": classes.get("no_match", 0),
        "encode_seconds": round(t_encode, 2),
        "encode_rows_per_s": round(rows_read / t_encode),
        "golden_encode_seconds": round(t_golden, 2),
        "link_seconds": round(t_link, 2),
        "link_rows_per_s": round(rows_read / t_link),
        "clear_link_seconds": round(t_clear, 2),
        "clear_link_rows_per_s": round(rows_read / t_clear),
        "peak_rss_mb": peak_after_wired,
    }


def main() -> None:
    from satuanak.linkage import cluster, evaluate, privacy

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2024, help="the bench key is derived from it")
    parser.add_argument("--scenario", choices=("all", "pairs", "wired"), default="all")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    base = ROOT / "var" / "bench" / "privacy"
    base.mkdir(parents=True, exist_ok=True)
    if args.generate_only:
        _bench_linkage()._district(args.children, base)
        return
    # A fixed bench key (reproducible figures); a real deployment's key is a secret (README).
    key = hashlib.sha256(f"bench-privacy-linkage-{args.seed}".encode()).digest()
    wired: dict[str, Any] = {}
    if args.scenario in ("all", "wired"):
        wired = run_wired(args.children, base, key)
        if args.scenario == "wired":
            print(json.dumps({"children": args.children, **{f"wired_{k}": v for k, v in wired.items()}}))
            return
    records, truth = _records(args.children, base)
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
        edges = privacy.linked_edges(frame, scored)  # the one decision rule (privacy.LINK_AT)
        clusters = cluster.components(records["record_id"], edges)
        s = evaluate.score(clusters, truth)
        defects[method] = evaluate.errors_by_defect(clusters, truth)
        results[method] = {
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "links": edges.height,
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
        **{f"wired_{k}": v for k, v in wired.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", "2")
    # linkage/encoded.py (the wired scenario) is a Django service module: load the apps (no
    # database is touched).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    import django

    django.setup()
    main()
