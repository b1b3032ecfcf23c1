"""Retention rules (UU 27/2022 PDP): how long each source's records of a child are kept, and which
records are past their time on a given day.

The rules are data (`data/governance/retention.json`): per source and, where a source sends
several kinds of record, per record type (the format, the prefix of `ChildRecord.record_id`), the
years a record is kept after a trigger:

- `turns_18`: the child's 18th birthday (the record is about a child; an adult is out of the
  platform's purpose);
- `left_district`: the day the child left Kabupaten Bengkayang (`Child.left_district_on`).

A record's due date is the trigger's date plus its years (the earlier of the two when a rule gives
both); a record is past its time *on* its due date and after it. A trigger whose date is unknown
(no birth date, never left) starts no clock: the record is kept, never guessed away. A child whose
records are all past is anonymised rather than deleted (the services do it), so the per-quarter
aggregates and the rows that point at the child stay.

A 29 February birthday falls on 28 February in other years (as `linkage.records` counts ages).

Pure: Polars frames in, frames out; no Django. The services (`retention_services.py`) feed it the
children and their records from the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from satuanak.core.sources import Source

TURNS_18 = "turns_18"
LEFT_DISTRICT = "left_district"
TRIGGERS = (TURNS_18, LEFT_DISTRICT)
ADULT_AGE = 18
ANY_TYPE = "*"  # a rule for every format of the source that has no rule of its own
MAX_YEARS = 100

CHILD_SCHEMA: dict[str, pl.DataType] = {
    "child_id": pl.Int64(),
    "birth_date": pl.Date(),
    "left_district_on": pl.Date(),
}
RECORD_SCHEMA: dict[str, pl.DataType] = {
    "record_pk": pl.Int64(),
    "child_id": pl.Int64(),
    "source": pl.String(),
    "record_type": pl.String(),
}


class RetentionRulesError(ValueError):
    """The rules file is not usable; the message says what and where, in both languages."""


@dataclass(frozen=True)
class RetentionRule:
    source: Source
    record_type: str
    keep_years: Mapping[str, int]
    note_id: str = ""
    note_en: str = ""
    legal_basis: str = ""
    verified: bool = False

    @property
    def key(self) -> str:
        return f"{self.source.value}:{self.record_type}"


@dataclass(frozen=True)
class RetentionRules:
    version: str
    rules: tuple[RetentionRule, ...]

    def rule_for(self, source: str, record_type: str) -> RetentionRule | None:
        """The record type's own rule, else the source's "*" rule, else none."""
        by_key = {(r.source.value, r.record_type): r for r in self.rules}
        return by_key.get((source, record_type)) or by_key.get((source, ANY_TYPE))

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                (
                    r.source.value,
                    r.record_type,
                    r.key,
                    r.keep_years.get(TURNS_18),
                    r.keep_years.get(LEFT_DISTRICT),
                )
                for r in self.rules
            ],
            schema={
                "source": pl.String,
                "record_type": pl.String,
                "rule": pl.String,
                "years_18": pl.Int64,
                "years_left": pl.Int64,
            },
            orient="row",
        )


# --- the rules as data ----------------------------------------------------------------------------


def _fail(where: str, id_text: str, en_text: str) -> RetentionRulesError:
    return RetentionRulesError(f"Aturan retensi {where}: {id_text} / retention rules {where}: {en_text}")


def rules_parse(data: Any) -> RetentionRules:
    """Validate the rules file's content: every source covered, no rule twice, known triggers,
    whole years from 0 to 100."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise _fail("", "harus berisi daftar 'rules'", "must hold a list 'rules'")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise _fail("", "'version' wajib diisi", "'version' is required")
    rules: list[RetentionRule] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(data["rules"], start=1):
        where = f"#{i}"
        if not isinstance(raw, dict):
            raise _fail(where, "bukan objek", "not an object")
        try:
            source = Source(str(raw.get("source")))
        except ValueError:
            raise _fail(where, f"sumber tidak dikenal {raw.get('source')!r}", "unknown source") from None
        record_type = raw.get("record_type", ANY_TYPE)
        if not isinstance(record_type, str) or not record_type:
            raise _fail(where, "'record_type' kosong", "'record_type' is empty")
        if (source.value, record_type) in seen:
            raise _fail(where, f"aturan ganda {source.value}:{record_type}", "the same rule twice")
        seen.add((source.value, record_type))
        keep = raw.get("keep_years")
        if not isinstance(keep, dict) or not keep:
            raise _fail(where, "'keep_years' wajib berisi pemicu", "'keep_years' must name a trigger")
        for trigger, years in keep.items():
            if trigger not in TRIGGERS:
                raise _fail(where, f"pemicu tidak dikenal {trigger!r}", f"unknown trigger (use {TRIGGERS})")
            if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= MAX_YEARS:
                raise _fail(
                    where, f"tahun harus bilangan bulat 0-{MAX_YEARS}", f"years must be 0-{MAX_YEARS}"
                )
        rules.append(
            RetentionRule(
                source=source,
                record_type=record_type,
                keep_years=dict(keep),
                note_id=str(raw.get("note_id", "")),
                note_en=str(raw.get("note_en", "")),
                legal_basis=str(raw.get("legal_basis", "")),
                verified=bool(raw.get("verified", False)),
            )
        )
    missing = [s.value for s in Source if not any(r.source == s for r in rules)]
    if missing:
        raise _fail(
            "", f"sumber tanpa aturan: {', '.join(missing)}", f"sources without a rule: {', '.join(missing)}"
        )
    return RetentionRules(version=version, rules=tuple(rules))


def rules_load(path: Path) -> RetentionRules:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(str(path), "berkas tidak ada", "file not found") from None
    except json.JSONDecodeError as exc:
        raise _fail(str(path), f"JSON tidak sah ({exc})", f"invalid JSON ({exc})") from None
    return rules_parse(data)


# --- due dates --------------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def due_date(rule: RetentionRule, *, birth_date: date | None, left_district_on: date | None) -> date | None:
    """The day the rule's record is past its time (None: no clock runs yet)."""
    dues = []
    if TURNS_18 in rule.keep_years and birth_date is not None:
        dues.append(add_years(birth_date, ADULT_AGE + rule.keep_years[TURNS_18]))
    if LEFT_DISTRICT in rule.keep_years and left_district_on is not None:
        dues.append(add_years(left_district_on, rule.keep_years[LEFT_DISTRICT]))
    return min(dues) if dues else None


def record_type_expr(record_id: pl.Expr, source: pl.Expr) -> pl.Expr:
    """A ChildRecord's record type: its format, the part of record_id before ':' (the source
    itself when the record id is blank)."""
    prefix = record_id.str.split_exact(":", 1).struct.field("field_0")
    return pl.when(record_id.str.contains(":")).then(prefix).otherwise(source)


def records_due(children: pl.DataFrame, records: pl.DataFrame, rules: RetentionRules) -> pl.DataFrame:
    """`records` (RECORD_SCHEMA, further columns carried along) with `rule` (null: no rule covers
    it: kept) and `due_on` (null: no clock runs), from the children's facts (CHILD_SCHEMA),
    vectorised."""
    table = rules.frame()
    own = table.filter(pl.col("record_type") != ANY_TYPE)
    anyt = table.filter(pl.col("record_type") == ANY_TYPE).drop("record_type")
    joined = (
        records.join(children, on="child_id", how="left")
        .join(own, on=["source", "record_type"], how="left")
        .join(anyt, on="source", how="left", suffix="_any")
    )
    has_own = pl.col("rule").is_not_null()
    pick = {
        c: pl.when(has_own).then(pl.col(c)).otherwise(pl.col(f"{c}_any")) for c in ("years_18", "years_left")
    }
    joined = joined.with_columns(
        pl.coalesce("rule", "rule_any").alias("rule"),
        pick["years_18"].alias("years_18"),
        pick["years_left"].alias("years_left"),
    )

    def offset(col: str, years: pl.Expr) -> pl.Expr:
        return pl.col(col).dt.offset_by(pl.format("{}y", years))

    return joined.with_columns(
        pl.min_horizontal(
            offset("birth_date", pl.col("years_18") + ADULT_AGE),
            offset("left_district_on", pl.col("years_left")),
        ).alias("due_on")
    ).select(*records.columns, "rule", "due_on")


@dataclass(frozen=True)
class RetentionPlan:
    """What is past its time on `today`: the records (with their rule and due date) and the
    children whose every record is past (to anonymise)."""

    today: date
    records_past: pl.DataFrame  # RECORD_SCHEMA + rule, due_on
    children_past: tuple[int, ...]
    records_total: int
    records_without_rule: int
    records_without_clock: int  # no birth date and never left: kept

    @property
    def by_rule(self) -> dict[str, int]:
        return dict(sorted(self.records_past.group_by("rule").len().iter_rows()))

    @property
    def by_source(self) -> dict[str, int]:
        return dict(sorted(self.records_past.group_by("source").len().iter_rows()))

    @property
    def children_touched(self) -> int:
        return self.records_past["child_id"].n_unique()


def plan(children: pl.DataFrame, records: pl.DataFrame, rules: RetentionRules, today: date) -> RetentionPlan:
    due = records_due(children, records, rules)
    past = due.filter(pl.col("due_on") <= today)
    per_child = due.group_by("child_id").agg(
        (pl.col("due_on") <= today).fill_null(False).all().alias("all_past")
    )
    whole = per_child.filter(pl.col("all_past"))["child_id"].sort().to_list()
    return RetentionPlan(
        today=today,
        records_past=past.sort("child_id", "record_pk"),
        children_past=tuple(whole),
        records_total=due.height,
        records_without_rule=due.filter(pl.col("rule").is_null()).height,
        records_without_clock=due.filter(pl.col("rule").is_not_null() & pl.col("due_on").is_null()).height,
    )


# --- one child at a time (for tests and for explaining a decision) --------------------------------------


@dataclass(frozen=True)
class RecordFacts:
    record_pk: int
    source: str
    record_type: str


@dataclass(frozen=True)
class ChildFacts:
    child_id: int
    birth_date: date | None
    left_district_on: date | None = None
    records: tuple[RecordFacts, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Decision:
    records_past: tuple[int, ...]
    child_past: bool


def frames_of(facts: Iterable[ChildFacts]) -> tuple[pl.DataFrame, pl.DataFrame]:
    facts = list(facts)
    children = pl.DataFrame(
        [(c.child_id, c.birth_date, c.left_district_on) for c in facts], schema=CHILD_SCHEMA, orient="row"
    )
    records = pl.DataFrame(
        [(r.record_pk, c.child_id, r.source, r.record_type) for c in facts for r in c.records],
        schema=RECORD_SCHEMA,
        orient="row",
    )
    return children, records


def decide(child: ChildFacts, rules: RetentionRules, today: date) -> Decision:
    p = plan(*frames_of([child]), rules, today)
    return Decision(
        records_past=tuple(p.records_past["record_pk"].to_list()),
        child_past=child.child_id in p.children_past,
    )
