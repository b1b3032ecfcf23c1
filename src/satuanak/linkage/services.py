"""linkage_run(): staged source rows in, one golden record per child out.

Stages (each a whole-table operation; the pure parts live in records/model/cluster):
1. records: the current staged rows of every person-bearing format, one record per person as
   each source knows them (records.py).
2. model: the active trained model, or a new one trained on these records (u by random
   sampling, m by EM; model.py), stored with its version.
3. pairs: scored with Splink at or above the review threshold. A full run scores every
   blocked pair; an incremental run only the pairs of records that are new or whose identity
   fields changed since the last run, and keeps the stored pairs of the rest. Both give the
   same pairs, so the same children (tested).
4. links: the same NIK (deterministic, unless it is clearly two people: then review), the
   model's confident pairs (unless the two records carry clearly different NIKs: review), and
   the review decisions (accepted pairs link; rejected pairs never do).
5. children: connected components; survivorship (cluster.golden_records); each cluster keeps
   the child id it had (by its records' previous child), so links to a child stay valid.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from splink.internals.exceptions import EMTrainingException

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common.bulk import bulk_insert
from satuanak.imports.models import ImportBatch
from satuanak.linkage import cluster, evaluate, model
from satuanak.linkage.models import LinkageModel, LinkageRun, LinkEdge, LinkedRecord, ReviewPair
from satuanak.linkage.records import (
    IDENTITY_FIELDS,
    RECORD_SCHEMA,
    RECORD_SPECS,
    source_records,
    with_comparison_columns,
)
from satuanak.linkage.summaries import summary_frame
from satuanak.linkage.suppression import staged_records_kept
from satuanak.persons.models import Child, ChildRecord
from satuanak.regions.models import Desa
from satuanak.sources import ADAPTERS

Progress = Callable[[str, int], None]
# Fewer records than this give EM nothing to learn from (a district has hundreds of thousands).
MIN_RECORDS_TO_TRAIN = 100


@dataclass
class Loaded:
    records: pl.DataFrame  # one row per record, with comparison columns and `features`
    rows: pl.DataFrame  # record_id, batch_id, __row, observed_on, summary, source


def load_records(*, as_of: date) -> Loaded:
    recs: list[pl.DataFrame] = []
    rows: list[pl.DataFrame] = []
    for adapter in RECORD_SPECS:
        # less the rows the retention job removed: the staged files still hold them
        lazy = staged_records_kept(adapter)
        if lazy is None:
            continue
        staged = lazy.collect()
        r, rr = source_records(adapter, staged.lazy(), as_of=as_of)
        recs.append(r)
        summary = summary_frame(adapter, staged)
        rows.append(
            rr.join(summary, on=["batch_id", "__row"], how="left").with_columns(
                pl.lit(ADAPTERS[adapter].source.value).alias("source")
            )
        )
    if not recs:
        empty = with_comparison_columns(pl.DataFrame(schema=RECORD_SCHEMA))
        return Loaded(records=empty.with_columns(pl.lit("").alias("features")), rows=pl.DataFrame())
    records = with_comparison_columns(pl.concat(recs, how="vertical"))
    return Loaded(records=records.with_columns(_features(records)), rows=pl.concat(rows, how="vertical"))


def _features(records: pl.DataFrame) -> pl.Series:
    # A stable digest (not polars' hash: it may change between versions, and a change would
    # make every record look new).
    text = records.select(
        pl.concat_str([pl.col(f).cast(pl.String).fill_null("") for f in IDENTITY_FIELDS], separator="\x1f")
    ).to_series()
    return pl.Series("features", [hashlib.blake2b(t.encode(), digest_size=16).hexdigest() for t in text])


# --- the model --------------------------------------------------------------------------------------


def linkage_model_train(*, records: pl.DataFrame) -> LinkageModel:
    trained = model.train(records)
    LinkageModel.objects.filter(active=True).update(active=False)
    previous = LinkageModel.objects.order_by("-trained_at").first()
    return LinkageModel.objects.create(
        version=trained.version,
        params=trained.model,
        trained_on=records.height,
        # thresholds set by the steward carry over to the retrained model
        accept_threshold=previous.accept_threshold if previous else 0.99,
        review_threshold=previous.review_threshold if previous else 0.80,
    )


def _active_model() -> LinkageModel | None:
    return LinkageModel.objects.filter(active=True, version=model.MODEL_VERSION).first()


# --- the run ----------------------------------------------------------------------------------------


def linkage_run(
    *,
    full: bool = False,
    retrain: bool = False,
    as_of: date | None = None,
    user: Any = None,
    progress: Progress | None = None,
) -> LinkageRun:
    outer = progress or (lambda _s, _p: None)
    as_of = as_of or timezone.localdate()
    lm = None if retrain else _active_model()
    last = LinkageRun.objects.filter(status=LinkageRun.Status.DONE).values_list("model_id", flat=True).first()
    # A new model scores pairs differently: its first run relinks everything.
    incremental = not full and lm is not None and lm.pk == last
    kind = LinkageRun.Kind.INCREMENTAL if incremental else LinkageRun.Kind.FULL
    run = LinkageRun.objects.create(
        kind=kind,
        as_of=as_of,
        started_by=user if getattr(user, "is_authenticated", False) else None,
    )
    started = timezone.now()

    def report(stage: str, pct: int) -> None:
        # the run's row carries the progress for the page; the caller's callback for the terminal
        LinkageRun.objects.filter(pk=run.pk).update(stage=stage[:100], progress=pct)
        outer(stage, pct)

    try:
        report("membaca rekaman / reading records", 5)
        loaded = load_records(as_of=as_of)
        records = loaded.records
        message = ""
        if records.height < MIN_RECORDS_TO_TRAIN and lm is None:
            # Nothing (or too little) staged to learn from: children stay as they are.
            stats: dict[str, Any] = {"records": records.height, "children": Child.objects.count()}
            message = (
                f"Baru {records.height} rekaman; penautan perlu sedikitnya {MIN_RECORDS_TO_TRAIN}. "
                f"Impor data sumber dahulu. / Only {records.height} records; linkage needs at least "
                f"{MIN_RECORDS_TO_TRAIN}. Import source files first."
            )
        else:
            if lm is None:
                report("melatih model / training the model", 15)
                kind = LinkageRun.Kind.FULL
                try:
                    lm = linkage_model_train(records=records)
                except EMTrainingException:
                    # One source alone (SIAK's first upload): no records pair up to learn from.
                    # Link on the NIK only; the model is trained when a second source arrives.
                    message = (
                        "Model belum dapat dilatih: rekaman belum saling berpasangan (baru satu sumber?). "
                        "Hanya tautan NIK. / The model cannot be trained yet: no records pair up (one "
                        "source only?). NIK links only."
                    )
            trained = model.Trained(model=lm.params, version=lm.version) if lm else None
            report("membandingkan pasangan / scoring pairs", 35)
            stats = _relink(run=run, kind=kind, loaded=loaded, lm=lm, trained=trained, report=report)
    except Exception as exc:
        LinkageRun.objects.filter(pk=run.pk).update(
            status=LinkageRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
        )
        raise
    stats["seconds"] = round((timezone.now() - started).total_seconds(), 1)
    LinkageRun.objects.filter(pk=run.pk).update(
        status=LinkageRun.Status.DONE,
        finished_at=timezone.now(),
        stats=stats,
        model=lm,
        kind=kind,
        progress=100,
        stage="selesai / done",
        message=message,
    )
    audit_record(
        action=AuditAction.LINKAGE_RUN,
        actor=user,
        subject_type="linkage_run",
        subject_id=run.pk,
        detail={"kind": kind, **{k: v for k, v in stats.items() if isinstance(v, int | float)}},
    )
    report("selesai / done", 100)
    run.refresh_from_db()
    return run


def linkage_run_running() -> LinkageRun | None:
    """A run still going (a killed one is marked failed after six hours)."""
    cutoff = timezone.now() - timedelta(hours=6)
    LinkageRun.objects.filter(status=LinkageRun.Status.RUNNING, started_at__lt=cutoff).update(
        status=LinkageRun.Status.FAILED, message="Proses berhenti / the process stopped"
    )
    return LinkageRun.objects.filter(status=LinkageRun.Status.RUNNING).first()


def linkage_default_as_of() -> date:
    """The date ages are counted at when a person starts a run: the last run's (so a run from
    the page links the same population), else today."""
    last = LinkageRun.objects.filter(status=LinkageRun.Status.DONE).order_by("-finished_at").first()
    return last.as_of if last else timezone.localdate()


def _relink(
    *,
    run: LinkageRun,
    kind: str,
    loaded: Loaded,
    lm: LinkageModel | None,
    trained: model.Trained | None,
    report: Progress,
) -> dict[str, Any]:
    records = loaded.records
    ids = records["record_id"]
    known = dict(LinkedRecord.objects.values_list("record_id", "features"))
    if kind == LinkageRun.Kind.FULL:
        changed = set(ids.to_list())
    else:
        current = dict(zip(ids.to_list(), records["features"].to_list(), strict=True))
        changed = {rid for rid, f in current.items() if known.get(rid) != f}
    gone = set(known) - set(ids.to_list())

    # Pairs: only those of changed records are scored (all of them in a full run).
    pairs = pl.DataFrame()
    accept = lm.accept_threshold if lm else 1.0  # without a model no pair links by score
    if lm is not None and trained is not None and changed and records.height > 1:
        pairs = model.predict(
            records,
            trained,
            threshold=lm.review_threshold,
            new_ids=None if kind == LinkageRun.Kind.FULL else sorted(changed),
        )
        if pairs.height:
            pairs = cluster.with_nik_distance(pairs, records)
    report("menyimpan pasangan / storing pairs", 60)
    with transaction.atomic():
        if kind == LinkageRun.Kind.FULL:
            LinkEdge.objects.all().delete()
        else:
            stale = changed | gone
            for chunk in _chunks(sorted(stale)):
                LinkEdge.objects.filter(record_l__in=chunk).delete()
                LinkEdge.objects.filter(record_r__in=chunk).delete()
        _store_edges(pairs)
    edges = _edges_frame()

    # Links and the review queue.
    nik_links, conflicts = cluster.nik_links(records)
    decisions = _decisions_frame()
    accepted = decisions.filter(pl.col("status") == ReviewPair.Status.ACCEPTED)
    rejected = decisions.filter(pl.col("status") == ReviewPair.Status.REJECTED)
    blocked = pl.concat(
        [conflicts.select("record_id_l", "record_id_r"), rejected.select("record_id_l", "record_id_r")]
    )
    nik_ok = pl.col("nik_distance").is_null() | (pl.col("nik_distance") <= 1)
    auto = edges.filter((pl.col("probability") >= accept) & nik_ok).join(
        blocked, on=["record_id_l", "record_id_r"], how="anti"
    )
    nik_links = nik_links.join(rejected, on=["record_id_l", "record_id_r"], how="anti")
    links = pl.concat(
        [
            nik_links.select("record_id_l", "record_id_r"),
            auto.select("record_id_l", "record_id_r"),
            accepted.select("record_id_l", "record_id_r"),
        ]
    )
    uncertain = edges.filter((pl.col("probability") < accept) | ~nik_ok).with_columns(
        reason=pl.when(~nik_ok)
        .then(pl.lit("Cocok, tetapi NIK berbeda / a match, but the NIKs differ"))
        .otherwise(pl.lit("Tidak pasti / uncertain"))
    )
    _store_review_queue(uncertain=uncertain, conflicts=conflicts, edges=edges, accept=accept)

    report("membentuk anak / building children", 75)
    clusters = cluster.components(ids, links)
    golden = cluster.golden_records(records, clusters)
    with transaction.atomic():
        child_of_cluster = _store_children(golden, clusters)
        _store_linked_records(records, clusters, child_of_cluster)
        _store_child_records(loaded.rows, clusters, child_of_cluster)
    return {
        "records": records.height,
        "records_scored": len(changed),
        "records_gone": len(gone),
        "pairs_scored": pairs.height,
        "pairs_stored": edges.height,
        "links_nik": nik_links.height,
        "links_model": auto.height,
        "links_review": accepted.height,
        "nik_conflicts": conflicts.height,
        "review_open": ReviewPair.objects.filter(active=True, status=ReviewPair.Status.OPEN).count(),
        "children": golden.height,
        "not_in_siak": int(golden.filter(~pl.col("in_siak")).height),
        "by_source": dict(Counter(records["source"].to_list())),
    }


def _chunks(values: Sequence[Any], size: int = 900) -> Iterable[list[Any]]:
    # under SQLite's limit on query parameters
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def _weights(row: dict[str, Any]) -> dict[str, float]:
    """Each comparison's match weight (log2 Bayes factor) for the review page."""
    return {k[3:]: round(v, 2) for k, v in row.items() if k.startswith("mw_") and v is not None}


def _store_edges(pairs: pl.DataFrame) -> None:
    if pairs.height == 0:
        return
    mw = [c for c in pairs.columns if c.startswith("mw_")]
    cols = ["record_id_l", "record_id_r", "match_probability", "match_weight", "nik_distance"]

    def rows() -> Iterable[tuple[Any, ...]]:
        for row in pairs.select(*cols, *mw).iter_rows(named=True):
            yield (
                row["record_id_l"],
                row["record_id_r"],
                row["match_probability"],
                row["match_weight"],
                row["nik_distance"],
                json.dumps(_weights(row)),
            )

    bulk_insert(
        LinkEdge._meta.db_table,
        ["record_l", "record_r", "probability", "match_weight", "nik_distance", "weights"],
        rows(),
    )


def _edges_frame() -> pl.DataFrame:
    rows = list(
        LinkEdge.objects.values_list("record_l", "record_r", "probability", "match_weight", "nik_distance")
    )
    return pl.DataFrame(
        rows,
        schema={
            "record_id_l": pl.String,
            "record_id_r": pl.String,
            "probability": pl.Float64,
            "match_weight": pl.Float64,
            "nik_distance": pl.Int64,
        },
        orient="row",
    )


def _decisions_frame() -> pl.DataFrame:
    rows = list(
        ReviewPair.objects.exclude(status=ReviewPair.Status.OPEN).values_list(
            "record_l", "record_r", "status"
        )
    )
    return pl.DataFrame(
        rows, schema={"record_id_l": pl.String, "record_id_r": pl.String, "status": pl.String}, orient="row"
    )


def _store_review_queue(
    *, uncertain: pl.DataFrame, conflicts: pl.DataFrame, edges: pl.DataFrame, accept: float
) -> None:
    """Upsert the pairs a person should look at; pairs no longer raised stay with their
    decision but leave the queue (active = False)."""
    weights = {
        (a, b): w
        for a, b, w in LinkEdge.objects.filter(
            Q(probability__lt=accept) | Q(nik_distance__gte=2)
        ).values_list("record_l", "record_r", "weights")
    }
    scores = {
        (a, b): (p, w)
        for a, b, p, w in edges.select(
            "record_id_l", "record_id_r", "probability", "match_weight"
        ).iter_rows()
    }
    wanted: dict[tuple[str, str], str] = {}
    for a, b, reason in conflicts.select("record_id_l", "record_id_r", "reason").iter_rows():
        wanted[(a, b)] = reason
    for a, b, reason in uncertain.select("record_id_l", "record_id_r", "reason").iter_rows():
        wanted.setdefault((a, b), reason)
    existing = {(p.record_l, p.record_r): p for p in ReviewPair.objects.all()}
    new, update = [], []
    for key, reason in wanted.items():
        p, w = scores.get(key, (None, None))
        pair = existing.get(key)
        if pair is None:
            new.append(
                ReviewPair(
                    record_l=key[0],
                    record_r=key[1],
                    probability=p,
                    match_weight=w,
                    weights=weights.get(key, {}),
                    reason=reason,
                )
            )
        else:
            pair.probability, pair.match_weight, pair.reason, pair.active = p, w, reason, True
            pair.weights = weights.get(key, pair.weights)
            update.append(pair)
    ReviewPair.objects.bulk_create(new, batch_size=5000)
    ReviewPair.objects.bulk_update(
        update, ["probability", "match_weight", "reason", "active", "weights"], batch_size=5000
    )
    gone = [p.pk for k, p in existing.items() if k not in wanted and p.active]
    for i in range(0, len(gone), 900):
        ReviewPair.objects.filter(pk__in=gone[i : i + 900]).update(active=False)


_CHILD_FIELDS = (
    "nik",
    "kk_number",
    "name",
    "sex",
    "birth_date",
    "desa_id",
    "mother_name",
    "linkage_key",
    "in_siak",
    "field_sources",
    "n_records",
)


def _child_values(row: dict[str, Any], desa_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "nik": row["nik"] or "",
        "kk_number": row["kk"] or "",
        "name": (row["name"] or "")[:200],
        "sex": row["sex"] or "",
        "birth_date": row["dob"],
        "desa_id": desa_ids.get(row["desa"] or ""),
        "mother_name": (row["mother_name"] or "")[:200],
        "linkage_key": row["cluster_id"],
        "in_siak": bool(row["in_siak"]),
        "field_sources": {f: row[f"{f}_source"] for f in cluster.GOLDEN_FIELDS if row.get(f"{f}_source")},
        "n_records": row["n_records"],
    }


def _store_children(golden: pl.DataFrame, clusters: pl.DataFrame) -> dict[str, int]:
    """Create or update one Child per cluster. A cluster keeps the child most of its records
    had (a split cluster's larger part keeps the id); only changed children are written."""
    previous = dict(LinkedRecord.objects.exclude(child=None).values_list("record_id", "child_id"))
    by_cluster: dict[str, Counter[int]] = {}
    for rid, cid in clusters.iter_rows():
        child = previous.get(rid)
        if child is not None:
            by_cluster.setdefault(cid, Counter())[child] += 1
    claims = sorted(
        ((n, -child, cid, child) for cid, counter in by_cluster.items() for child, n in counter.items()),
        reverse=True,
    )
    # An anonymised child (retention) has no records left to claim it and must not be deleted:
    # per-quarter figures and rows of work still point at it.
    existing = {c["id"]: c for c in Child.objects.filter(anonymised_on=None).values("id", *_CHILD_FIELDS)}
    taken: set[int] = set()
    child_of: dict[str, int] = {}
    for _n, _neg, cid, child in claims:
        if cid in child_of or child in taken or child not in existing:
            continue
        child_of[cid] = child
        taken.add(child)
    desa_ids = dict(Desa.objects.values_list("code", "pk"))
    changed: list[Child] = []
    new_rows: list[dict[str, Any]] = []
    for row in golden.iter_rows(named=True):
        values = _child_values(row, desa_ids)
        child_id = child_of.get(row["cluster_id"])
        if child_id is None:
            new_rows.append(values)
        elif any(existing[child_id][k] != v for k, v in values.items()):
            changed.append(Child(id=child_id, **values))
    # Children no cluster claims any more go (their records now belong to other children),
    # unless people recorded work on them (interventions, referrals, screenings, GESIT...):
    # those stay, without a linkage key, for the steward to reattach, rather than losing what a
    # cadre did. "Work" is any row that protects the child from deletion, so a new app's records
    # are kept without a change here.
    worked_on = Q()
    for rel in Child._meta.related_objects:
        if rel.on_delete is models.PROTECT:
            worked_on |= Q(**{f"{rel.name}__isnull": False})
    for chunk in _chunks([i for i in existing if i not in taken]):
        Child.objects.filter(pk__in=chunk).exclude(worked_on).delete()
        Child.objects.filter(pk__in=chunk).update(linkage_key=None, n_records=0)
    # linkage_key is unique and may move between children: clear before rewriting.
    for chunk in _chunks([c.pk for c in changed]):
        Child.objects.filter(pk__in=chunk).update(linkage_key=None)
    Child.objects.bulk_update(changed, list(_CHILD_FIELDS), batch_size=500)
    now = timezone.now()
    bulk_insert(
        Child._meta.db_table,
        [*_CHILD_FIELDS, "created_at", "updated_at"],
        (
            (*(json.dumps(v[k]) if k == "field_sources" else v[k] for k in _CHILD_FIELDS), now, now)
            for v in new_rows
        ),
    )
    new_keys = [v["linkage_key"] for v in new_rows]
    for chunk in _chunks(new_keys):
        for key, pk in Child.objects.filter(linkage_key__in=chunk).values_list("linkage_key", "pk"):
            child_of[str(key)] = pk
    return child_of


def _store_linked_records(records: pl.DataFrame, clusters: pl.DataFrame, child_of: dict[str, int]) -> None:
    cluster_of = dict(clusters.iter_rows())
    LinkedRecord.objects.all().delete()
    identity = records.select(
        pl.struct([pl.col(f).cast(pl.String) for f in IDENTITY_FIELDS]).struct.json_encode().alias("identity")
    )["identity"]
    bulk_insert(
        LinkedRecord._meta.db_table,
        ["record_id", "source", "child_id", "features", "n_rows", "identity"],
        (
            (rid, src, child_of.get(cluster_of[rid]), feat, n, ident)
            for (rid, src, feat, n), ident in zip(
                records.select("record_id", "source", "features", "n_rows").iter_rows(), identity, strict=True
            )
        ),
    )


def _store_child_records(rows: pl.DataFrame, clusters: pl.DataFrame, child_of: dict[str, int]) -> None:
    """One ChildRecord per staged row, for the child's page. Rewritten whole: a record's child
    may change with any new link, and writing them in bulk is a few seconds per million."""
    ChildRecord.objects.all().delete()
    if rows.height == 0:
        return
    mapping = clusters.with_columns(
        pl.col("cluster_id").replace_strict(child_of, default=None, return_dtype=pl.Int64).alias("child_id")
    ).select("record_id", "child_id")
    table = rows.join(mapping, on="record_id").filter(pl.col("child_id").is_not_null())
    bulk_insert(
        ChildRecord._meta.db_table,
        ["child_id", "source", "observed_on", "summary", "record_id", "batch_id", "row_number"],
        table.select(
            "child_id", "source", "observed_on", "summary", "record_id", "batch_id", "__row"
        ).iter_rows(),
    )


# --- the review queue --------------------------------------------------------------------------------


def review_decide(
    *, pair: ReviewPair, user: Any, accept: bool, note: str = "", request: Any = None
) -> ReviewPair:
    """Record a decision; it takes effect on the next run (which the caller may start)."""
    pair.status = ReviewPair.Status.ACCEPTED if accept else ReviewPair.Status.REJECTED
    pair.decided_by = user
    pair.decided_at = timezone.now()
    pair.note = note[:2000]
    pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit_record(
        action=AuditAction.REVIEW_DECIDED,
        actor=user,
        request=request,
        subject_type="review_pair",
        subject_id=pair.pk,
        detail={"decision": pair.status},
    )
    return pair


# --- evaluation against the synthetic truth ------------------------------------------------------


def linkage_evaluate(*, truth_dir: Path, as_of: date) -> tuple[evaluate.Scores, pl.DataFrame]:
    """Score the last run's children against the generator's ground truth (synthetic data only)."""
    truth_file = truth_dir / "source_rows.parquet"
    if not truth_file.is_file():
        raise FileNotFoundError(truth_file)
    loaded = load_records(as_of=as_of)
    record_rows = loaded.rows.select("record_id", "batch_id", "__row")
    batches = pl.DataFrame(
        list(
            ImportBatch.objects.filter(status=ImportBatch.Status.DONE).values_list(
                "id", "file_name", "sheet", "header_row"
            )
        ),
        schema={"id": pl.Int64, "file_name": pl.String, "sheet": pl.String, "header_row": pl.Int64},
        orient="row",
    )
    truth = evaluate.record_truth(record_rows, batches, pl.read_parquet(truth_file))
    linked = pl.DataFrame(
        list(LinkedRecord.objects.values_list("record_id", "child_id")),
        schema={"record_id": pl.String, "child_id": pl.Int64},
        orient="row",
    )
    # a record without a child (none in a finished run) counts as a cluster of its own
    clusters = linked.select(
        "record_id",
        pl.coalesce(pl.col("child_id").cast(pl.String), pl.lit("r:") + pl.col("record_id")).alias(
            "cluster_id"
        ),
    )
    return evaluate.score(clusters, truth), evaluate.errors_by_defect(clusters, truth)
