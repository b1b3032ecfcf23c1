"""Retention (docs/decisions/0007, section 3): find what is past its time, then remove or anonymise
it, leaving the per-quarter figures as they are.

- `retention_dry_run(today=...)`: the children and records past their time under the rules in
  `data/governance/retention.json` (governance/retention.py decides), counted per rule and source.
  Reads only.
- `retention_run(actor=..., today=...)`: the same plan, then in one transaction
  1. the staged natural keys of the past records go on the suppression list
     (`linkage.SuppressedRecord`), so linkage, flags and mutu skip those staged rows from now on
     (the Parquet files never change: ADR 0005);
  2. the past `ChildRecord` rows are deleted, with their linkage record (`LinkedRecord`, which
     holds the identity fields) and the scored pairs and review pairs that name it;
  3. a child whose every record was past is anonymised, not deleted: name replaced, NIK, KK and
     mother's name blanked, birth date moved to 1 July of its year, linkage key and field sources
     cleared, `anonymised_on` set. Sex and desa stay (not identifying alone; the figures are per
     desa). Rows that point at the child (flags, referrals, interventions) keep pointing at it;
  4. the per-child flag rows of the anonymised children, and those whose evidence names a removed
     record, lose their evidence, reasons and date (code, quarter, status and value stay: the
     sealed quarters below keep them, and KLA reads them per quarter);
  5. the run is recorded (`RetentionRun`) with the quarters it seals, and one audit entry holds
     the counts.
  Nothing here recomputes an aggregate: FlagAggregate, DesaHotspot, the mutu tables and the KLA
  values read from them are the same rows after the run. Nor does a later recompute change them
  for the quarters closed on the run's day (`sealed_quarter`): flags and mutu keep the stored rows
  of sealed quarters and recompute only the later ones (`governance.selectors.sealed_through`), so
  figures already reported do not lose the removed children. The price: a late import or
  correction no longer changes a sealed quarter's figures either.

A child's remaining golden fields (for a child with only some records past) are rebuilt from what
remains at the next linkage run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common.bulk import bulk_insert
from satuanak.core.periods import previous_quarter, quarter_of
from satuanak.flags.models import ChildFlag
from satuanak.governance import retention
from satuanak.governance.models import RetentionRun
from satuanak.governance.retention import RetentionPlan, RetentionRules
from satuanak.imports import staging
from satuanak.imports.models import ImportBatch
from satuanak.linkage.models import LinkEdge, LinkedRecord, ReviewPair, SuppressedRecord
from satuanak.linkage.records import natural_key_digest
from satuanak.linkage.suppression import suppressed_digests
from satuanak.persons.models import Child, ChildRecord

Progress = Callable[[str, int], None]
ANONYMOUS_NAME = "(dianonimkan / anonymised)"
# what a kept flag row says once its source record is gone or its child anonymised
SCRUBBED_FLAG: dict[str, Any] = {
    "observed_on": None,
    "evidence": {},
    "reason_id": "Rekaman sumber dihapus (retensi)",
    "reason_en": "Source record removed (retention)",
}
_CHUNK = 900  # under SQLite's limit on query parameters


def sealed_quarter(today: date) -> str:
    """The last quarter closed on `today` ("2024Q4" for any day of 2025Q1): a run seals it and
    every earlier one. The quarter holding `today` is still open and is recomputed as before."""
    return previous_quarter(quarter_of(today))


def retention_rules_file() -> Path:
    return Path(settings.SATUANAK_DATA_DIR) / "governance" / "retention.json"


def retention_rules(path: Path | None = None) -> RetentionRules:
    """The rules in force (raises RetentionRulesError, bilingual, when the file is unusable)."""
    return retention.rules_load(path or retention_rules_file())


@dataclass(frozen=True)
class RetentionReport:
    plan: RetentionPlan
    rules: RetentionRules
    applied: bool = False
    suppressed: int = 0  # staged natural keys added to the suppression list
    not_suppressed: int = 0  # past records whose staged row could not be found (file gone)
    linked_records_removed: int = 0
    sealed_through: str = ""  # the latest quarter sealed ("": a dry run, or a run that removed nothing)

    @property
    def records_past(self) -> int:
        return self.plan.records_past.height

    @property
    def children_anonymised(self) -> int:
        return len(self.plan.children_past)

    def summary(self) -> dict[str, Any]:
        """Counts only (no ids, no names): for the audit entry and the command's JSON."""
        p = self.plan
        return {
            "today": p.today.isoformat(),
            "rules_version": self.rules.version,
            "applied": self.applied,
            "records_total": p.records_total,
            "records_past": self.records_past,
            "children_touched": p.children_touched,
            "children_anonymised": self.children_anonymised,
            "records_without_rule": p.records_without_rule,
            "records_without_clock": p.records_without_clock,
            "by_rule": p.by_rule,
            "by_source": p.by_source,
            "suppressed": self.suppressed,
            "not_suppressed": self.not_suppressed,
            "linked_records_removed": self.linked_records_removed,
            "sealed_through": self.sealed_through,
        }


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def _facts() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The children not yet anonymised, and all their records, as the pure module reads them."""
    children = pl.DataFrame(
        list(Child.objects.filter(anonymised_on=None).values_list("pk", "birth_date", "left_district_on")),
        schema=retention.CHILD_SCHEMA,
        orient="row",
    )
    raw = pl.DataFrame(
        list(
            ChildRecord.objects.filter(child__anonymised_on=None).values_list(
                "pk", "child_id", "source", "record_id", "batch_id", "row_number"
            )
        ),
        schema={
            "record_pk": pl.Int64,
            "child_id": pl.Int64,
            "source": pl.String,
            "record_id": pl.String,
            "batch_id": pl.Int64,
            "row_number": pl.Int64,
        },
        orient="row",
    )
    # record_id, batch and row ride along: the run needs them and need not ask again
    records = raw.with_columns(
        retention.record_type_expr(pl.col("record_id"), pl.col("source")).alias("record_type")
    ).select(*retention.RECORD_SCHEMA, "record_id", "batch_id", "row_number")
    return children, records


def retention_dry_run(
    *, today: date, rules: RetentionRules | None = None, progress: Progress | None = None
) -> RetentionReport:
    """What a run on `today` would remove or anonymise. Reads only; writes no audit entry (the
    report holds counts and ids, no personal data)."""
    report = progress or (lambda _s, _p: None)
    rules = rules or retention_rules()
    report("membaca anak dan rekaman / reading children and records", 10)
    children, records = _facts()
    report("menerapkan aturan / applying the rules", 60)
    plan = retention.plan(children, records, rules, today)
    report("selesai / done", 100)
    return RetentionReport(plan=plan, rules=rules)


def _natural_keys(past: pl.DataFrame) -> tuple[list[tuple[str, str, str]], int]:
    """(format, natural key, rule) of the staged row of each past record, and how many rows could
    not be found (a record without a batch, or a batch whose file is gone)."""
    located = past.filter(pl.col("batch_id").is_not_null() & pl.col("row_number").is_not_null())
    missing = past.height - located.height
    batch_ids = located["batch_id"].unique().to_list()
    batches = {
        b.pk: b for b in ImportBatch.objects.filter(pk__in=batch_ids).only("pk", "adapter", "staged_file")
    }
    found: list[tuple[str, str, str]] = []
    for (batch_id,), items in located.group_by("batch_id"):
        batch = batches.get(int(batch_id))
        path = staging.staging_root() / batch.staged_file if batch and batch.staged_file else None
        if batch is None or path is None or not path.is_file():
            missing += items.height
            continue
        wanted = items.select(pl.col("row_number").alias(staging.ROW), "rule")
        keys = (
            pl.scan_parquet(path)
            .select(pl.col(staging.ROW).cast(pl.Int64), pl.col("natural_key"))
            .join(wanted.lazy(), on=staging.ROW, how="inner")
            .filter(pl.col("natural_key").is_not_null())
            .collect()
        )
        missing += items.height - keys.height
        found += [(batch.adapter, key, rule) for key, rule in keys.select("natural_key", "rule").iter_rows()]
    return found, missing


def _suppress(keys: Sequence[tuple[str, str, str]], today: date) -> None:
    """Add to the suppression list; a key an earlier run suppressed stays as it was."""
    rows: dict[tuple[str, str], str] = {}
    for adapter, key, rule in keys:
        rows.setdefault((adapter, natural_key_digest(adapter, key)), rule)
    for adapter in {a for a, _d in rows}:
        for digest in suppressed_digests(adapter):
            rows.pop((adapter, digest), None)
    now = timezone.now()
    bulk_insert(
        SuppressedRecord._meta.db_table,
        ["adapter", "key_digest", "rule", "suppressed_on", "created_at"],
        ((adapter, digest, rule, today, now) for (adapter, digest), rule in rows.items()),
    )


def _anonymise(child_ids: Sequence[int], today: date) -> None:
    years: dict[int | None, list[int]] = defaultdict(list)
    for chunk in _chunks(list(child_ids)):
        for pk, dob in Child.objects.filter(pk__in=chunk).values_list("pk", "birth_date"):
            years[dob.year if dob else None].append(pk)
    for year, ids in years.items():
        # the year only (the model has a date: the middle of the year, so an age in years is off
        # by half a year at most)
        birth = date(year, 7, 1) if year is not None else None
        for chunk in _chunks(ids):
            Child.objects.filter(pk__in=chunk).update(
                name=ANONYMOUS_NAME,
                nik="",
                kk_number="",
                mother_name="",
                birth_date=birth,
                linkage_key=None,
                field_sources={},
                n_records=0,
                anonymised_on=today,
            )


def _scrub_flags(*, anonymised: Sequence[int], partly: Sequence[int], record_ids: Iterable[str]) -> None:
    """The flag rows of sealed quarters outlive the run (flags/services.py keeps them), so what in
    them copies a removed record or would identify an anonymised child goes now: the evidence
    (record id, often a NIK; batch and row; measurements), the reasons (dates, places) and the
    date observed (a birth weight's is the birth date). Code, rule version, quarter, status and
    value stay: the sealed figures and KLA's per-quarter reads need no more. Every row of an
    anonymised child; of the others, the rows whose evidence names a removed record."""
    for chunk in _chunks(list(anonymised)):
        ChildFlag.objects.filter(child_id__in=chunk).update(**SCRUBBED_FLAG)
    removed = set(record_ids)
    # read per child (indexed) and matched here: a JSON lookup on the evidence would scan the table
    hits = [
        pk
        for chunk in _chunks(list(partly))
        for pk, evidence in ChildFlag.objects.filter(child_id__in=chunk).values_list("pk", "evidence")
        if isinstance(evidence, dict) and evidence.get("record_id") in removed
    ]
    for chunk in _chunks(hits):
        ChildFlag.objects.filter(pk__in=chunk).update(**SCRUBBED_FLAG)


def retention_run(
    *,
    actor: Any,
    today: date,
    rules: RetentionRules | None = None,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> RetentionReport:
    """Remove and anonymise what is past its time on `today` (see the module docstring)."""
    report = progress or (lambda _s, _p: None)
    rules = rules or retention_rules()
    with transaction.atomic():
        dry = retention_dry_run(today=today, rules=rules, progress=lambda s, p: report(s, p * 3 // 10))
        plan = dry.plan
        past = plan.records_past
        pks = past["record_pk"].to_list()

        report("daftar tahan / suppression list", 40)
        keys, missing = _natural_keys(past)
        _suppress(keys, today)

        report("menghapus rekaman / deleting records", 60)
        record_ids = sorted(set(past["record_id"].drop_nulls().to_list()) - {""})
        for chunk in _chunks(pks):
            ChildRecord.objects.filter(pk__in=chunk).delete()
        # A linkage record goes with its last row (all rows of a record share a rule and a child,
        # so they go together; the check keeps it safe if that ever changes).
        remaining = {
            rid
            for chunk in _chunks(record_ids)
            for rid in ChildRecord.objects.filter(record_id__in=chunk).values_list("record_id", flat=True)
        }
        gone = [rid for rid in record_ids if rid not in remaining]
        removed_links = 0
        for chunk in _chunks(gone):
            removed_links += LinkedRecord.objects.filter(record_id__in=chunk).delete()[0]
            LinkEdge.objects.filter(Q(record_l__in=chunk) | Q(record_r__in=chunk)).delete()
            ReviewPair.objects.filter(Q(record_l__in=chunk) | Q(record_r__in=chunk)).delete()

        report("menganonimkan anak / anonymising children", 80)
        whole = set(plan.children_past)
        _anonymise(sorted(whole), today)
        partly = sorted(set(past["child_id"].to_list()) - whole)
        _scrub_flags(anonymised=sorted(whole), partly=partly, record_ids=record_ids)
        # the other children touched keep a true count of their records until the next linkage run
        counts: dict[int, int] = {}
        for chunk in _chunks(partly):
            counts.update(
                ChildRecord.objects.filter(child_id__in=chunk)
                .values("child_id")
                .annotate(n=Count("pk"))
                .values_list("child_id", "n")
            )
        Child.objects.bulk_update(
            [Child(pk=pk, n_records=counts.get(pk, 0)) for pk in partly], ["n_records"], batch_size=500
        )

        # A run that removed nothing changed no input of any figure: it seals nothing, so a late
        # correction to the last quarter still counts.
        changed = bool(pks) or bool(whole)
        done = RetentionReport(
            plan=plan,
            rules=rules,
            applied=True,
            suppressed=len(keys),
            not_suppressed=missing,
            linked_records_removed=removed_links,
            sealed_through=sealed_quarter(today) if changed else "",
        )
        RetentionRun.objects.create(
            today=today,
            sealed_through=done.sealed_through,
            rules_version=rules.version[:60],
            records_removed=done.records_past,
            children_anonymised=done.children_anonymised,
            applied_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            action=AuditAction.RETENTION_RUN,
            actor=actor,
            request=request,
            subject_type="retention",
            subject_id=rules.version,
            detail=done.summary(),
        )
    report("selesai / done", 100)
    return done


def child_left_district_record(
    *, child: Child, on: date | None, actor: Any, request: HttpRequest | None = None
) -> Child:
    """Record (or clear, with None) the day a child left Kabupaten Bengkayang: no source export
    says it, so a steward does (it starts the `left_district` retention clock)."""
    child.left_district_on = on
    child.save(update_fields=["left_district_on", "updated_at"])
    audit_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        request=request,
        subject_type="child",
        subject_id=child.pk,
        desa_code=child.desa.code if child.desa_id and child.desa else "",
        detail={"field": "left_district_on", "value": on.isoformat() if on else None},
    )
    return child
