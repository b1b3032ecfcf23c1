"""flags_recompute(): linked children and their source rows in; flags, aggregates, hotspots out.

A rerun of the stage: everything it writes is replaced in one transaction. Inputs are read
whole (children and links from the database, source rows from the staged Parquet files) and
computed as frames (flags/engine.py, flags/aggregate.py). Once a retention run has sealed the
quarters closed on its day (`governance.selectors.sealed_through`), the stored rows of those
quarters are kept as they are and only later quarters are replaced (`_store`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from satuanak.common.bulk import bulk_insert
from satuanak.flags import aggregate, engine
from satuanak.flags.models import ChildFlag, DesaHotspot, FlagAggregate, FlagRule, FlagRun, SurveyFigure
from satuanak.flags.selectors import LATEST_RUN_KEY
from satuanak.governance.selectors import sealed_through
from satuanak.imports.services import staged_records
from satuanak.linkage.models import LinkedRecord
from satuanak.linkage.records import RECORD_SPECS, record_id_expr
from satuanak.linkage.suppression import staged_records_kept
from satuanak.persons.models import Child
from satuanak.regions.models import Desa

Progress = Callable[[str, int], None]
# The flags a desa's vulnerability index combines (equal weights, standardised rates).
INDEX_FLAGS = ("stunting", "wasting", "immunisation_incomplete", "no_akta", "out_of_school", "child_marriage")
GROWTH_CODES = ("stunting", "wasting", "underweight", "overweight")
# Per-child rows kept for sealed quarters (see _store): growth rows are a quarter's history (one
# row per quarter with a weighing), and KLA reads violence cases per quarter against the sealed
# aggregate. Every other rule's rows are the latest run's state, read without a quarter ("flagged
# now" for follow-up, KEK mothers for GESIT): a kept one would still say "flagged" after the state
# cleared, so those are replaced whole as before.
SEALED_FLAG_CODES = (*GROWTH_CODES, "violence_case")
_DATA = Path(settings.SATUANAK_DATA_DIR) / "flags"


# --- rules and survey figures as data --------------------------------------------------------------


def flag_rules_load(path: Path | None = None) -> int:
    """Add the shipped rules (data/flags/rules.json) that are not in the database yet; a rule
    the district edited keeps its edits (a change is a new version)."""
    spec = json.loads((path or _DATA / "rules.json").read_text(encoding="utf-8"))
    added = 0
    for r in spec["rules"]:
        _obj, created = FlagRule.objects.get_or_create(
            code=r["code"],
            version=r["version"],
            defaults={
                "valid_from": date.fromisoformat(r["valid_from"]),
                "title_id": r["title_id"],
                "title_en": r["title_en"],
                "params": r["params"],
            },
        )
        added += created
    with (_DATA / "survey_figures.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            SurveyFigure.objects.get_or_create(
                indicator=row["indicator"],
                area_level=row["area_level"],
                area_code=row["area_code"],
                year=int(row["year"]),
                source=row["source"],
                defaults={"value": float(row["value"]), "note": row["note"]},
            )
    return added


def rules_in_force(as_of: date) -> dict[str, engine.Rule]:
    """Per code, the highest version in force on `as_of`."""
    chosen: dict[str, engine.Rule] = {}
    for r in FlagRule.objects.filter(valid_from__lte=as_of).order_by("code", "version"):
        if r.params.get("no_source"):
            continue  # no source carries it (disability): nothing to compute, said in the README
        chosen[r.code] = engine.Rule(code=r.code, version=r.version, valid_from=r.valid_from, params=r.params)
    return chosen


def immunisation_schedule() -> pl.DataFrame:
    return pl.read_csv(
        _DATA / "immunisation_schedule.csv",
        schema_overrides={"counts_for_idl": pl.Boolean, "valid_from": pl.Date, "due_days": pl.Int64},
    )


# --- inputs ----------------------------------------------------------------------------------------


def load_inputs(*, as_of: date) -> tuple[engine.Inputs, pl.DataFrame]:
    desa_names = dict(Desa.objects.values_list("pk", "name"))
    desa_codes = dict(Desa.objects.values_list("pk", "code"))
    # an anonymised child (retention) has no records left: counted, it would read as a child with
    # no akta, no dose, no school
    rows = list(
        Child.objects.filter(anonymised_on=None).values_list("pk", "sex", "birth_date", "desa_id", "in_siak")
    )
    children = pl.DataFrame(
        [
            (pk, sex or None, dob, desa_codes.get(d), desa_names.get(d), bool(siak))
            for pk, sex, dob, d, siak in rows
        ],
        schema={
            "child_id": pl.Int64,
            "sex": pl.String,
            "birth_date": pl.Date,
            "desa": pl.String,
            "desa_name": pl.String,
            "in_siak": pl.Boolean,
        },
        orient="row",
    )
    links = pl.DataFrame(
        list(LinkedRecord.objects.exclude(child=None).values_list("record_id", "child_id")),
        schema={"record_id": pl.String, "child_id": pl.Int64},
        orient="row",
    )
    frames: dict[str, pl.DataFrame] = {}
    for adapter in RECORD_SPECS:
        lazy = staged_records_kept(adapter)  # less the rows the retention job removed
        if lazy is None:
            continue
        frames[adapter] = (
            lazy.with_columns(record_id_expr(adapter).alias("record_id"))
            .join(links.lazy(), on="record_id", how="inner")
            .collect()
        )
    preg = staged_records("kia_kehamilan")
    if preg is not None:
        frames["kia_kehamilan_by_nik"] = preg.filter(pl.col("mother_nik").is_not_null()).collect()
    mothers = pl.concat(
        [
            f.select("child_id", "mother_nik").filter(pl.col("mother_nik").is_not_null())
            for name, f in frames.items()
            if name in ("siak", "kia_persalinan") and "mother_nik" in f.columns
        ]
        or [pl.DataFrame(schema={"child_id": pl.Int64, "mother_nik": pl.String})]
    ).unique()
    return engine.Inputs(
        children=children, rows=frames, schedule=immunisation_schedule(), as_of=as_of
    ), mothers


# --- the run ---------------------------------------------------------------------------------------


def flags_recompute(*, as_of: date | None = None, progress: Progress | None = None) -> FlagRun:
    report = progress or (lambda _s, _p: None)
    as_of = as_of or timezone.localdate()
    if not FlagRule.objects.exists():
        flag_rules_load()
    run = FlagRun.objects.create(as_of=as_of)
    started = timezone.now()
    try:
        report("membaca data / reading", 10)
        inputs, mothers = load_inputs(as_of=as_of)
        report("menghitung penanda / computing flags", 35)
        flags = engine.compute_flags(inputs, rules_in_force(as_of), mothers=mothers)
        report("agregat / aggregates", 65)
        aggregates = aggregate.aggregate(flags, inputs.children)
        hotspots = _hotspots(aggregates)
        report("menyimpan / writing", 80)
        with transaction.atomic():
            _store(flags, aggregates, hotspots)
    except Exception as exc:
        FlagRun.objects.filter(pk=run.pk).update(
            status=FlagRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
        )
        raise
    counts = flags.group_by("code", "status").len().sort("code", "status")
    stats = {
        "children": inputs.children.height,
        "flag_rows": flags.height,
        "by_rule": {f"{c}:{s}": n for c, s, n in counts.iter_rows()},
        "aggregates": aggregates.height,
        # hot desa of the latest quarter (earlier quarters have theirs in DesaHotspot)
        "hotspots": int(
            hotspots.filter(
                (pl.col("classification") == "hot") & (pl.col("period") == hotspots["period"].max())
            ).height
        )
        if hotspots.height
        else 0,
        "seconds": round((timezone.now() - started).total_seconds(), 1),
    }
    FlagRun.objects.filter(pk=run.pk).update(
        status=FlagRun.Status.DONE, finished_at=timezone.now(), stats=stats
    )
    cache.set(LATEST_RUN_KEY, run.pk, timeout=10)  # this process's map shows the new figures at once
    report("selesai / done", 100)
    run.refresh_from_db()
    return run


def _hotspots(aggregates: pl.DataFrame) -> pl.DataFrame:
    """Per quarter: the composite index per desa and its Gi* on the desa adjacency."""
    geo = json.loads(
        (Path(settings.SATUANAK_DATA_DIR) / "bengkayang_desa.geojson").read_text(encoding="utf-8")
    )
    neighbours = aggregate.desa_adjacency(geo["features"])
    desa_rates = aggregates.filter(pl.col("level") == "desa")
    parts = []
    for (period,), group in desa_rates.group_by("period"):
        idx = aggregate.composite_index(group, INDEX_FLAGS)
        if idx.height < 3:
            continue
        gi = aggregate.getis_ord_gi_star(dict(idx.select("desa", "index").iter_rows()), neighbours)
        parts.append(
            idx.select("desa", "index", "flags_used")
            .join(gi, on="desa")
            .with_columns(
                period=pl.lit(period),
                classification=pl.when((pl.col("p_value") < 0.05) & (pl.col("gi_star_z") > 0))
                .then(pl.lit("hot"))
                .when((pl.col("p_value") < 0.05) & (pl.col("gi_star_z") < 0))
                .then(pl.lit("cold"))
                .otherwise(pl.lit("none")),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "desa": pl.String,
                "index": pl.Float64,
                "flags_used": pl.String,
                "gi_star_z": pl.Float64,
                "p_value": pl.Float64,
                "period": pl.String,
                "classification": pl.String,
            }
        )
    return pl.concat(parts)


def _store(flags: pl.DataFrame, aggregates: pl.DataFrame, hotspots: pl.DataFrame) -> None:
    """Replace what the run computed. Quarters up to the retention seal keep their stored rows:
    a retention run removed records that counted in them, and recomputing them from what remains
    would change figures already reported. A later quarter is replaced as before; without a seal,
    every quarter is (so a late import still corrects an old one)."""
    seal = sealed_through()
    if seal is None:
        ChildFlag.objects.all().delete()
        FlagAggregate.objects.all().delete()
        DesaHotspot.objects.all().delete()
    else:
        sealed_flag = Q(code__in=SEALED_FLAG_CODES, period__lte=seal)
        ChildFlag.objects.exclude(sealed_flag).delete()
        FlagAggregate.objects.filter(period__gt=seal).delete()
        DesaHotspot.objects.filter(period__gt=seal).delete()
        # "YYYYQn" compares as text in quarter order, here as in the database
        flags = flags.filter(~(pl.col("code").is_in(SEALED_FLAG_CODES) & (pl.col("period") <= seal)))
        aggregates = aggregates.filter(pl.col("period") > seal)
        hotspots = hotspots.filter(pl.col("period") > seal)
    # Growth keeps every quarter (history); other rules only what a person must see.
    kept = flags.filter(pl.col("code").is_in(GROWTH_CODES) | (pl.col("status") != engine.CLEAR))
    bulk_insert(
        ChildFlag._meta.db_table,
        [
            "child_id",
            "code",
            "rule_version",
            "period",
            "observed_on",
            "status",
            "value",
            "evidence",
            "reason_id",
            "reason_en",
        ],
        kept.select(
            "child_id",
            "code",
            "version",
            "period",
            "observed_on",
            "status",
            "value",
            "evidence",
            "reason_id",
            "reason_en",
        ).iter_rows(),
    )
    bulk_insert(
        FlagAggregate._meta.db_table,
        [
            "code",
            "period",
            "level",
            "area_code",
            "numerator",
            "denominator",
            "rate",
            "ci_low",
            "ci_high",
            "not_assessable_district",
        ],
        aggregates.select(
            "code",
            "period",
            "level",
            "area_code",
            "numerator",
            "denominator",
            "rate",
            "ci_low",
            "ci_high",
            "not_assessable_district",
        ).iter_rows(),
    )
    bulk_insert(
        DesaHotspot._meta.db_table,
        ["desa_code", "period", "index", "gi_star_z", "p_value", "classification", "flags_used"],
        hotspots.select(
            "desa", "period", "index", "gi_star_z", "p_value", "classification", "flags_used"
        ).iter_rows(),
    )


def district_summary(period: str | None = None) -> list[dict[str, Any]]:
    """District figures of the latest (or given) quarter per rule, with survey figures beside."""
    qs = FlagAggregate.objects.filter(level="district")
    out = []
    for code in sorted(set(qs.values_list("code", flat=True))):
        rows = qs.filter(code=code)
        row = rows.filter(period=period).first() if period else rows.order_by("-period").first()
        if row is None:
            continue
        survey = SurveyFigure.objects.filter(indicator=code, area_level="district").order_by("-year").first()
        out.append(
            {
                "code": code,
                "period": row.period,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "rate": row.rate,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "not_assessable": row.not_assessable_district,
                "survey": f"{survey.source}: {survey.value:.1%}" if survey else "",
            }
        )
    return out
