"""Linkage records: one row per person as each source knows them, from the staged rows.

A source holds a child in several rows (a weighing a month, a dose a row): the rows that share
the source's person key (the NIK, or name + birth date + mother when there is no NIK) are one
record. SIAK and the KIA delivery register hold one row per person already. Each record gets the
identity fields linkage compares, normalised once here (names by `names.py`), taken from the
record's latest row that has them.

Pure: Polars frames in, frames out; no Django.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from satuanak.linkage.names import name_key_expr, name_norm_expr, unnamed_baby_expr

ROW = "__row"
BATCH = "batch_id"


@dataclass(frozen=True)
class RecordSpec:
    """Which staged columns of a format hold a person's identity, and what groups rows."""

    group_by: str  # "person_key" or "natural_key"
    fields: Mapping[str, str]  # identity field -> staged column
    only_children: bool = False  # SIAK holds adults too: keep those aged 0-18


# The posyandu/puskesmas registers (weighings, doses) name a child the same way.
_HEALTH_REGISTER = {
    "nik": "nik",
    "name": "name",
    "sex": "sex",
    "dob": "birth_date",
    "mother_name": "mother_name",
    "desa": "desa_code",
}

# Identity fields: nik, name, sex, dob, mother_name, mother_nik, desa, kk, nisn.
RECORD_SPECS: dict[str, RecordSpec] = {
    "siak": RecordSpec(
        "natural_key",
        {
            "nik": "nik",
            "name": "name",
            "sex": "sex",
            "dob": "birth_date",
            "mother_name": "mother_name",
            "mother_nik": "mother_nik",
            "desa": "desa_code",
            "kk": "no_kk",
        },
        only_children=True,
    ),
    "eppgbm": RecordSpec("person_key", _HEALTH_REGISTER),
    "imunisasi": RecordSpec("person_key", _HEALTH_REGISTER),
    "kia_persalinan": RecordSpec(
        "natural_key",
        {
            "name": "baby_name",
            "sex": "baby_sex",
            "dob": "delivery_date",
            "mother_name": "mother_name",
            "mother_nik": "mother_nik",
            "desa": "desa_code",
        },
    ),
    "dapodik": RecordSpec(
        "person_key",
        {
            "nik": "nik",
            "name": "name",
            "sex": "sex",
            "dob": "birth_date",
            "mother_name": "mother_name",
            "nisn": "nisn",
        },
    ),
    "simfoni": RecordSpec(
        "person_key",
        {
            "nik": "victim_nik",
            "name": "victim_name",
            "sex": "victim_sex",
            "dob": "victim_birth_date",
            "desa": "desa_code",
        },
    ),
}

IDENTITY_FIELDS = ("nik", "name", "sex", "dob", "mother_name", "mother_nik", "desa", "kk", "nisn")
_TYPES: dict[str, pl.DataType] = {f: pl.String() for f in IDENTITY_FIELDS} | {"dob": pl.Date()}

RECORD_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.String(),
    "source": pl.String(),
    **_TYPES,
    "n_rows": pl.UInt32(),
}


def record_id_expr(adapter: str) -> pl.Expr:
    """The linkage record id of each staged row of `adapter` ("<format>:<person key>")."""
    return pl.lit(f"{adapter}:") + pl.col(RECORD_SPECS[adapter].group_by)


def natural_key_digest(adapter: str, natural_key: str) -> str:
    """What the retention suppression list keeps of a staged row: SHA-256 of its format and
    natural key (the key itself may hold a NIK)."""
    return hashlib.sha256(f"{adapter}\x1f{natural_key}".encode()).hexdigest()


def natural_key_digests(adapter: str, keys: pl.Series) -> pl.Series:
    """`natural_key_digest` of each key (null stays null); a plain loop: hashlib is C and Polars
    has no stable SHA-256 of its own."""
    return pl.Series(
        [None if k is None else natural_key_digest(adapter, k) for k in keys.to_list()], dtype=pl.String
    )


def max_birth_date_age(as_of: date, years: int) -> date:
    """The earliest birth date of someone aged `years` or less (in completed years) on `as_of`."""
    try:
        start = as_of.replace(year=as_of.year - years - 1)
    except ValueError:  # 29 February
        start = as_of.replace(year=as_of.year - years - 1, day=28)
    return date.fromordinal(start.toordinal() + 1)


def source_records(
    adapter: str, staged: pl.LazyFrame, *, as_of: date, max_age_years: int = 18
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records, record_rows) of one format. `staged`: its current staged rows with `batch_id`.
    record_rows maps each staged row (batch_id, __row) to its record."""
    spec = RECORD_SPECS[adapter]
    names = set(staged.collect_schema().names())
    cols = {}
    for f, c in spec.fields.items():
        cols[f] = (pl.col(c) if c in names else pl.lit(None)).cast(_TYPES[f]).alias(f)
    for f in IDENTITY_FIELDS:
        cols.setdefault(f, pl.lit(None, dtype=_TYPES[f]).alias(f))
    rows = staged.select(
        pl.col(BATCH),
        pl.col(ROW),
        record_id_expr(adapter).alias("record_id"),
        *cols.values(),
    ).filter(pl.col("record_id").is_not_null())
    if spec.only_children:
        rows = rows.filter(pl.col("dob") >= max_birth_date_age(as_of, max_age_years))
    collected = rows.sort([BATCH, ROW]).collect()
    records = collected.group_by("record_id", maintain_order=True).agg(
        pl.lit(adapter).alias("source"),
        *[pl.col(f).drop_nulls().last().alias(f) for f in IDENTITY_FIELDS],
        pl.len().cast(pl.UInt32).alias("n_rows"),
    )
    return records.select(list(RECORD_SCHEMA)), collected.select("record_id", BATCH, ROW)


def with_comparison_columns(records: pl.DataFrame) -> pl.DataFrame:
    """The derived columns the comparisons and blocking rules use (see model.py)."""
    baby = unnamed_baby_expr(pl.col("name")).fill_null(False)
    df = records.with_columns(
        # "By. Ny. Siti" names the mother, not the child: no name to compare
        name_norm=pl.when(baby).then(None).otherwise(name_norm_expr(pl.col("name"))),
        mother_norm=name_norm_expr(pl.col("mother_name")),
        dob_str=pl.col("dob").dt.strftime("%Y%m%d"),
        dob_swapped=pl.when(
            (pl.col("dob").dt.day() <= 12) & (pl.col("dob").dt.day() != pl.col("dob").dt.month())
        ).then(pl.col("dob").dt.strftime("%Y%d%m")),
        dob_days=pl.col("dob").cast(pl.Int32),
        birth_year=pl.col("dob").dt.year().cast(pl.String),
        kec=pl.col("desa").str.slice(0, 8),
    )
    return df.with_columns(
        name_key=name_key_expr(pl.col("name_norm")),
        mother_key=name_key_expr(pl.col("mother_norm")),
    ).with_columns(
        first_key=pl.col("name_key").str.split(" ").list.first(),
        mother_first_key=pl.col("mother_key").str.split(" ").list.first(),
    )
