"""Risk flags per child, vectorised: linked source rows in, one row per child, rule and period out.

Pure (Polars and NumPy; no Django). Each result row says what the rule found and why:

    child_id, code, version, period ("2024Q3"), observed_on, status, value, evidence (JSON),
    reason_id, reason_en

status is "flagged", "clear" or "not_assessable" (with the reason: missing height, age beyond
the standard, no record in the source that decides...): bad data never becomes a wrong flag.
Growth rules give a row per child and quarter (the quarter's latest weighing), so a child's
history shows "stunted in March, not in September"; the others a row per child at `as_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from satuanak.growth.who import (
    BIV_LIMITS,
    MAX_AGE_DAYS,
    length_height_for_age_z,
    weight_for_age_z,
    weight_for_length_height_z,
)

FLAGGED, CLEAR, NOT_ASSESSABLE = "flagged", "clear", "not_assessable"
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "child_id": pl.Int64(),
    "code": pl.String(),
    "version": pl.Int32(),
    "period": pl.String(),
    "observed_on": pl.Date(),
    "status": pl.String(),
    "value": pl.Float64(),
    "evidence": pl.String(),
    "reason_id": pl.String(),
    "reason_en": pl.String(),
}
_MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember")  # fmt: skip
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class Rule:
    code: str
    version: int
    valid_from: date
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    """children: child_id, sex, birth_date, desa, desa_name, in_siak. rows: per format, the staged
    rows of linked children with `child_id`, `batch_id`, `__row`."""

    children: pl.DataFrame
    rows: Mapping[str, pl.DataFrame]
    schedule: pl.DataFrame  # antigen, due_days, counts_for_idl, valid_from
    as_of: date


def period_of(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str([expr.dt.year().cast(pl.String), pl.lit("Q"), expr.dt.quarter().cast(pl.String)])


def _date_text(expr: pl.Expr, months: tuple[str, ...]) -> pl.Expr:
    """3 Agustus 2025 / 3 August 2025 (the month names given)."""
    return pl.concat_str(
        [
            expr.dt.day().cast(pl.String),
            pl.lit(" "),
            expr.dt.month().replace_strict(dict(enumerate(months, 1)), return_dtype=pl.String),
            pl.lit(" "),
            expr.dt.year().cast(pl.String),
        ]
    )


def _date_id(expr: pl.Expr) -> pl.Expr:
    return _date_text(expr, _MONTHS_ID)


def _date_en(expr: pl.Expr) -> pl.Expr:
    return _date_text(expr, _MONTHS_EN)


def _z_text(expr: pl.Expr, *, comma: bool) -> pl.Expr:
    """−2,41 (Indonesian decimal comma, a real minus sign) or −2.41."""
    text = expr.round(2).abs().cast(pl.String)
    text = pl.when(text.str.contains(r"\.")).then(text).otherwise(text + ".0")
    text = text.str.replace(r"\.(\d)$", ".${1}0")
    if comma:
        text = text.str.replace(".", ",", literal=True)
    return pl.when(expr < 0).then(pl.lit("−") + text).otherwise(pl.lit("+") + text)


def _age_years(birth: pl.Expr, on: date) -> pl.Expr:
    """Completed years on `on` (birthday not yet reached this year: one less)."""
    had_birthday = (birth.dt.month() < on.month) | (
        (birth.dt.month() == on.month) & (birth.dt.day() <= on.day)
    )
    return (pl.lit(on.year) - birth.dt.year() - pl.when(had_birthday).then(0).otherwise(1)).cast(pl.Int32)


def _finish(df: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    return df.with_columns(
        pl.lit(rule.code).alias("code"), pl.lit(rule.version, dtype=pl.Int32).alias("version")
    ).select(list(OUTPUT_SCHEMA))


# --- growth -----------------------------------------------------------------------------------------

_GROWTH_NAMES = {
    "lhfa": ("TB/U", "height-for-age"),
    "wfa": ("BB/U", "weight-for-age"),
    "wflh": ("BB/TB", "weight-for-height"),
}


def growth_z(measurements: pl.DataFrame, children: pl.DataFrame) -> pl.DataFrame:
    """Every e-PPGBM weighing of a linked child with its age in days and the three z-scores
    (NaN -> null). The child's golden birth date and sex decide, not the row's own."""
    df = measurements.join(
        children.select("child_id", pl.col("sex").alias("c_sex"), pl.col("birth_date").alias("c_dob")),
        on="child_id",
        how="left",
    )
    age = (df["measurement_date"] - df["c_dob"]).dt.total_days()
    sex = df["c_sex"]
    lying = df["position"].replace_strict(
        {"lying": True, "standing": False}, default=None, return_dtype=pl.Boolean
    )
    kw = {"sex": sex, "age_days": age}
    z = {
        "haz": length_height_for_age_z(**kw, height_cm=df["height_cm"], measured_lying=lying),
        "waz": weight_for_age_z(**kw, weight_kg=df["weight_kg"]),
        "whz": weight_for_length_height_z(
            **kw, height_cm=df["height_cm"], weight_kg=df["weight_kg"], measured_lying=lying
        ),
    }
    return df.with_columns(
        pl.Series("age_days", age),
        *[pl.Series(k, v, dtype=pl.Float64).fill_nan(None) for k, v in z.items()],
    )


def growth_flags(weighings: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """One row per child and quarter: the quarter's latest weighing, judged by the rule."""
    ind = str(rule.params["indicator"])
    zcol = {"lhfa": "haz", "wfa": "waz", "wflh": "whz"}[ind]
    lo, hi = BIV_LIMITS[ind]
    max_age = int(rule.params.get("max_age_days", MAX_AGE_DAYS))
    latest = (
        weighings.filter(pl.col("measurement_date").is_not_null())
        .with_columns(period_of(pl.col("measurement_date")).alias("period"))
        .sort(["child_id", "measurement_date", "__row"])
        .group_by(["child_id", "period"], maintain_order=True)
        .last()
    )
    z = pl.col(zcol)
    short_id, short_en = _GROWTH_NAMES[ind]
    age = pl.col("age_days")
    needs_height = ind in ("lhfa", "wflh")
    reason_na_id = (
        pl.when(pl.col("c_dob").is_null())
        .then(pl.lit("tanggal lahir tidak diketahui"))
        .when(pl.col("c_sex").is_null())
        .then(pl.lit("jenis kelamin tidak diketahui"))
        .when((age < 0) | (age > max_age))
        .then(pl.lit("umur saat diukur di luar 0-60 bulan"))
        .when(pl.lit(needs_height) & pl.col("height_cm").is_null())
        .then(pl.lit("tinggi/panjang badan tidak diisi"))
        .when(pl.col("weight_kg").is_null() & pl.lit(ind != "lhfa"))
        .then(pl.lit("berat badan tidak diisi"))
        .when(z.is_null())
        .then(pl.lit("z-score tidak dapat dihitung (di luar tabel WHO)"))
        .when((z < lo) | (z > hi))
        .then(pl.lit("pengukuran tidak masuk akal (z di luar batas WHO)"))
    )
    reason_na_en = (
        pl.when(pl.col("c_dob").is_null())
        .then(pl.lit("birth date unknown"))
        .when(pl.col("c_sex").is_null())
        .then(pl.lit("sex unknown"))
        .when((age < 0) | (age > max_age))
        .then(pl.lit("age at measurement outside 0-60 months"))
        .when(pl.lit(needs_height) & pl.col("height_cm").is_null())
        .then(pl.lit("no length/height"))
        .when(pl.col("weight_kg").is_null() & pl.lit(ind != "lhfa"))
        .then(pl.lit("no weight"))
        .when(z.is_null())
        .then(pl.lit("no z-score (outside the WHO table)"))
        .when((z < lo) | (z > hi))
        .then(pl.lit("implausible measurement (z beyond WHO's limits)"))
    )
    flagged = (z < rule.params["below"]) if "below" in rule.params else (z > rule.params["above"])
    place_id = pl.concat_str(
        [
            pl.lit(" di "),
            pl.col("posyandu").fill_null("posyandu"),
            pl.lit(", Desa "),
            pl.col("desa_name").fill_null("?"),
        ]
    )
    place_en = pl.concat_str(
        [
            pl.lit(" at "),
            pl.col("posyandu").fill_null("a posyandu"),
            pl.lit(", Desa "),
            pl.col("desa_name").fill_null("?"),
        ]
    )
    when_id = pl.concat_str([pl.lit(" pada "), _date_id(pl.col("measurement_date"))])
    when_en = pl.concat_str([pl.lit(" on "), _date_en(pl.col("measurement_date"))])
    out = latest.with_columns(
        observed_on=pl.col("measurement_date"),
        status=pl.when(reason_na_id.is_not_null())
        .then(pl.lit(NOT_ASSESSABLE))
        .when(flagged)
        .then(pl.lit(FLAGGED))
        .otherwise(pl.lit(CLEAR)),
        value=z,
        reason_id=pl.when(reason_na_id.is_not_null())
        .then(pl.concat_str([pl.lit("Tidak dapat dinilai: "), reason_na_id, when_id]))
        .otherwise(
            pl.concat_str([pl.lit(f"{short_id} "), _z_text(z, comma=True), pl.lit(" SD"), when_id, place_id])
        ),
        reason_en=pl.when(reason_na_en.is_not_null())
        .then(pl.concat_str([pl.lit("Not assessable: "), reason_na_en, when_en]))
        .otherwise(
            pl.concat_str([pl.lit(f"{short_en} "), _z_text(z, comma=False), pl.lit(" SD"), when_en, place_en])
        ),
        evidence=pl.struct(
            pl.col("record_id"),
            pl.col("batch_id"),
            pl.col("__row").alias("row"),
            pl.col("measurement_date").cast(pl.String).alias("date"),
            pl.col("weight_kg"),
            pl.col("height_cm"),
            pl.col("position"),
            pl.col("posyandu"),
            z.round(2).alias("z"),
        ).struct.json_encode(),
    )
    return _finish(out, rule)


# --- rules at `as_of` ---------------------------------------------------------------------------------


def _at(children: pl.DataFrame, as_of: date) -> pl.DataFrame:
    return children.with_columns(
        period=pl.lit(f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}"),
        age_years=_age_years(pl.col("birth_date"), as_of),
        age_days=(pl.lit(as_of) - pl.col("birth_date")).dt.total_days(),
    )


def _latest(rows: pl.DataFrame, order: str | None = None) -> pl.DataFrame:
    keys = ["child_id", *([order] if order else []), "batch_id", "__row"]
    return rows.sort(keys, nulls_last=False).group_by("child_id", maintain_order=True).last()


def _blank() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUT_SCHEMA)


def _na(reason_id: str, reason_en: str) -> dict[str, pl.Expr]:
    return {
        "status": pl.lit(NOT_ASSESSABLE),
        "reason_id": pl.lit(f"Tidak dapat dinilai: {reason_id}"),
        "reason_en": pl.lit(f"Not assessable: {reason_en}"),
    }


def siak_document_flag(inp: Inputs, rule: Rule, *, field_: str, doc_id: str, doc_en: str) -> pl.DataFrame:
    """No akta / no KIA: from the child's SIAK record; a child not in SIAK is not assessable."""
    kids = _at(inp.children, inp.as_of).filter(
        pl.col("age_years").is_between(0, int(rule.params.get("max_age_years", 18)))
    )
    siak = inp.rows.get("siak")
    docs = (
        _latest(siak).select("child_id", pl.col(field_).alias("doc"), "record_id", "batch_id", "__row")
        if siak is not None and siak.height
        else pl.DataFrame(
            schema={
                "child_id": pl.Int64,
                "doc": pl.String,
                "record_id": pl.String,
                "batch_id": pl.Int64,
                "__row": pl.Int64,
            }
        )
    )
    df = kids.join(docs, on="child_id", how="left")
    missing = pl.col("doc") == "TIDAK ADA"
    out = df.with_columns(
        observed_on=pl.lit(inp.as_of),
        value=pl.lit(None, dtype=pl.Float64),
        status=pl.when(pl.col("doc").is_null())
        .then(pl.lit(NOT_ASSESSABLE))
        .when(missing)
        .then(pl.lit(FLAGGED))
        .otherwise(pl.lit(CLEAR)),
        reason_id=pl.when(pl.col("doc").is_null())
        .then(pl.lit(f"Tidak dapat dinilai: tidak ada data SIAK tentang {doc_id}"))
        .when(missing)
        .then(
            pl.lit(f"SIAK mencatat {doc_id}: TIDAK ADA (umur ")
            + pl.col("age_years").cast(pl.String)
            + pl.lit(" tahun)")
        )
        .otherwise(pl.lit(f"SIAK mencatat {doc_id}: ADA")),
        reason_en=pl.when(pl.col("doc").is_null())
        .then(pl.lit(f"Not assessable: SIAK says nothing about the {doc_en}"))
        .when(missing)
        .then(pl.lit(f"SIAK records no {doc_en} (age ") + pl.col("age_years").cast(pl.String) + pl.lit(")"))
        .otherwise(pl.lit(f"SIAK records a {doc_en}")),
        evidence=pl.struct(
            "record_id", "batch_id", pl.col("__row").alias("row"), pl.col("doc").alias("value")
        ).struct.json_encode(),
    )
    return _finish(out, rule)


def immunisation_flag(inp: Inputs, rule: Rule) -> pl.DataFrame:
    """Children 0-23 months: every dose of the schedule due (plus a grace period) by their age,
    counted only for antigens in use when the child was born (IPV2, PCV, RV, JE came later)."""
    max_age = int(rule.params.get("max_age_days", 730))
    grace = int(rule.params.get("grace_days", 30))
    sched = (
        inp.schedule.filter(pl.col("counts_for_idl")) if rule.params.get("idl_only", True) else inp.schedule
    )
    kids = _at(inp.children, inp.as_of).filter(pl.col("age_days").is_between(0, max_age))
    due = (
        kids.select("child_id", "birth_date", "age_days")
        .join(sched, how="cross")
        .filter(
            (pl.col("due_days") + grace <= pl.col("age_days"))
            & (pl.col("birth_date") >= pl.col("valid_from"))
        )
    )
    imm = inp.rows.get("imunisasi")
    given = (
        imm.select("child_id", pl.col("vaccine").alias("antigen")).unique()
        if imm is not None and imm.height
        else pl.DataFrame(schema={"child_id": pl.Int64, "antigen": pl.String})
    )
    missing = due.join(given, on=["child_id", "antigen"], how="anti")
    per_child = missing.group_by("child_id").agg(
        pl.col("antigen").sort_by("due_days").alias("missing"), pl.len().alias("n_missing")
    )
    n_due = due.group_by("child_id").agg(pl.len().alias("n_due"))
    df = kids.join(per_child, on="child_id", how="left").join(n_due, on="child_id", how="left")
    flagged = pl.col("n_missing").fill_null(0) > 0
    listed = pl.col("missing").list.join(", ")
    out = df.with_columns(
        observed_on=pl.lit(inp.as_of),
        value=pl.col("n_missing").fill_null(0).cast(pl.Float64),
        status=pl.when(pl.col("birth_date").is_null())
        .then(pl.lit(NOT_ASSESSABLE))
        .when(flagged)
        .then(pl.lit(FLAGGED))
        .otherwise(pl.lit(CLEAR)),
        reason_id=pl.when(flagged)
        .then(
            pl.lit("Belum tercatat: ")
            + listed
            + pl.lit(" (umur ")
            + (pl.col("age_days") // 30).cast(pl.String)
            + pl.lit(" bulan)")
        )
        .otherwise(pl.lit("Semua dosis yang jatuh tempo sudah tercatat")),
        reason_en=pl.when(flagged)
        .then(
            pl.lit("Not recorded: ")
            + listed
            + pl.lit(" (age ")
            + (pl.col("age_days") // 30).cast(pl.String)
            + pl.lit(" months)")
        )
        .otherwise(pl.lit("Every dose due so far is recorded")),
        evidence=pl.struct(
            pl.col("missing").list.join(",").alias("missing"), pl.col("n_due").fill_null(0).alias("due")
        ).struct.json_encode(),
    )
    return _finish(out, rule)


def out_of_school_flag(inp: Inputs, rule: Rule) -> pl.DataFrame:
    lo, hi = int(rule.params.get("min_age_years", 7)), int(rule.params.get("max_age_years", 18))
    kids = _at(inp.children, inp.as_of).filter(pl.col("age_years").is_between(lo, hi))
    dap = inp.rows.get("dapodik")
    latest = (
        _latest(dap).select("child_id", "status", "school_name", "level", "record_id", "batch_id", "__row")
        if dap is not None and dap.height
        else pl.DataFrame(
            schema={
                "child_id": pl.Int64,
                "status": pl.String,
                "school_name": pl.String,
                "level": pl.String,
                "record_id": pl.String,
                "batch_id": pl.Int64,
                "__row": pl.Int64,
            }
        )
    )
    df = kids.join(latest.rename({"status": "school_status"}), on="child_id", how="left")
    active = pl.col("school_status") == "Aktif"
    graduated = (pl.col("school_status") == "Lulus") & pl.col("level").is_in(["SMA", "SMK", "MA"])
    out = df.with_columns(
        observed_on=pl.lit(inp.as_of),
        value=pl.lit(None, dtype=pl.Float64),
        status=pl.when(pl.col("birth_date").is_null())
        .then(pl.lit(NOT_ASSESSABLE))
        .when(active | graduated)
        .then(pl.lit(CLEAR))
        .otherwise(pl.lit(FLAGGED)),
        reason_id=pl.when(pl.col("school_status").is_null())
        .then(pl.lit("Umur ") + pl.col("age_years").cast(pl.String) + pl.lit(" tahun, tidak ada di DAPODIK"))
        .otherwise(
            pl.lit("DAPODIK: ")
            + pl.col("school_status")
            + pl.lit(" di ")
            + pl.col("school_name").fill_null("?")
        ),
        reason_en=pl.when(pl.col("school_status").is_null())
        .then(pl.lit("Aged ") + pl.col("age_years").cast(pl.String) + pl.lit(", not in DAPODIK"))
        .otherwise(
            pl.lit("DAPODIK: ")
            + pl.col("school_status")
            + pl.lit(" at ")
            + pl.col("school_name").fill_null("?")
        ),
        evidence=pl.struct(
            "record_id", "batch_id", pl.col("__row").alias("row"), "school_status"
        ).struct.json_encode(),
    )
    return _finish(out, rule)


def _any_record_flag(
    inp: Inputs, rule: Rule, fmt: str, *, date_col: str, what_id: str, what_en: str, detail: str
) -> pl.DataFrame:
    """Flagged where the child has a record of `fmt` (a violence case), clear for every other
    child: the rate's denominator is all children."""
    kids = _at(inp.children, inp.as_of).select("child_id", "period")
    rows = inp.rows.get(fmt)
    if rows is None or rows.height == 0:
        rows = pl.DataFrame(
            schema={
                "child_id": pl.Int64,
                date_col: pl.Date,
                detail: pl.String,
                "record_id": pl.String,
                "batch_id": pl.Int64,
                "__row": pl.Int64,
            }
        )
    latest = _latest(rows, date_col).select("child_id", date_col, detail, "record_id", "batch_id", "__row")
    has = pl.col("record_id").is_not_null()
    df = kids.join(latest, on="child_id", how="left").with_columns(
        period=pl.when(has)
        .then(period_of(pl.col(date_col).fill_null(pl.lit(inp.as_of))))
        .otherwise("period"),
        observed_on=pl.col(date_col),
        value=pl.lit(None, dtype=pl.Float64),
        status=pl.when(has).then(pl.lit(FLAGGED)).otherwise(pl.lit(CLEAR)),
        reason_id=pl.when(has).then(
            pl.lit(f"{what_id}: ")
            + pl.col(detail).fill_null("?")
            + pl.lit(" (")
            + _date_id(pl.col(date_col)).fill_null("?")
            + pl.lit(")")
        ),
        reason_en=pl.when(has).then(
            pl.lit(f"{what_en}: ")
            + pl.col(detail).fill_null("?")
            + pl.lit(" (")
            + _date_en(pl.col(date_col)).fill_null("?")
            + pl.lit(")")
        ),
        evidence=pl.struct("record_id", "batch_id", pl.col("__row").alias("row")).struct.json_encode(),
    )
    return _finish(df, rule)


def child_marriage_flag(inp: Inputs, rule: Rule) -> pl.DataFrame:
    siak = inp.rows.get("siak")
    if siak is None or siak.height == 0:
        return _blank()
    kids = _at(inp.children, inp.as_of).filter(
        pl.col("age_years").is_between(10, int(rule.params.get("max_age_years", 18)))
    )
    df = kids.join(
        _latest(siak).select("child_id", "marital_status", "record_id", "batch_id", "__row"),
        on="child_id",
        how="inner",
    )
    married = pl.col("marital_status").is_in(["KAWIN", "CERAI HIDUP", "CERAI MATI"])
    out = df.with_columns(
        observed_on=pl.lit(inp.as_of),
        value=pl.lit(None, dtype=pl.Float64),
        status=pl.when(pl.col("marital_status").is_null())
        .then(pl.lit(NOT_ASSESSABLE))
        .when(married)
        .then(pl.lit(FLAGGED))
        .otherwise(pl.lit(CLEAR)),
        reason_id=pl.lit("SIAK: ")
        + pl.col("marital_status").fill_null("status kawin kosong")
        + pl.lit(", umur ")
        + pl.col("age_years").cast(pl.String)
        + pl.lit(" tahun"),
        reason_en=pl.lit("SIAK: ")
        + pl.col("marital_status").fill_null("marital status empty")
        + pl.lit(", aged ")
        + pl.col("age_years").cast(pl.String),
        evidence=pl.struct(
            "record_id", "batch_id", pl.col("__row").alias("row"), "marital_status"
        ).struct.json_encode(),
    )
    return _finish(out, rule)


def low_birth_weight_flag(inp: Inputs, rule: Rule) -> pl.DataFrame:
    rows = inp.rows.get("kia_persalinan")
    if rows is None or rows.height == 0:
        return _blank()
    below = float(rule.params.get("below_g", 2500))
    df = _latest(rows, "delivery_date")
    out = df.with_columns(
        period=period_of(pl.col("delivery_date").fill_null(pl.lit(inp.as_of))),
        observed_on=pl.col("delivery_date"),
        value=pl.col("birth_weight_g"),
        status=pl.when(pl.col("birth_weight_g").is_null())
        .then(pl.lit(NOT_ASSESSABLE))
        .when(pl.col("birth_weight_g") < below)
        .then(pl.lit(FLAGGED))
        .otherwise(pl.lit(CLEAR)),
        reason_id=pl.when(pl.col("birth_weight_g").is_null())
        .then(pl.lit("Tidak dapat dinilai: berat lahir tidak diisi"))
        .otherwise(
            pl.lit("Berat lahir ")
            + pl.col("birth_weight_g").cast(pl.Int64).cast(pl.String)
            + pl.lit(" g (")
            + _date_id(pl.col("delivery_date"))
            + pl.lit(")")
        ),
        reason_en=pl.when(pl.col("birth_weight_g").is_null())
        .then(pl.lit("Not assessable: no birth weight"))
        .otherwise(
            pl.lit("Birth weight ")
            + pl.col("birth_weight_g").cast(pl.Int64).cast(pl.String)
            + pl.lit(" g (")
            + _date_en(pl.col("delivery_date"))
            + pl.lit(")")
        ),
        evidence=pl.struct(
            "record_id", "batch_id", pl.col("__row").alias("row"), "birth_weight_g"
        ).struct.json_encode(),
    )
    return _finish(out, rule)


def mother_kek_flag(inp: Inputs, rule: Rule, mothers: pl.DataFrame) -> pl.DataFrame:
    """`mothers`: child_id, mother_nik (from SIAK or the delivery register). The pregnancy
    register (KIA, ibu hamil) names mothers by NIK; the mother's latest pregnancy in it decides.
    Children whose mother is not in the register are not counted (no denominator row)."""
    preg = inp.rows.get("kia_kehamilan_by_nik")
    if preg is None or preg.height == 0 or mothers.height == 0:
        return _blank()
    last = (
        preg.filter(pl.col("kek").is_not_null())
        .sort("hpht")
        .group_by("mother_nik", maintain_order=True)
        .last()
    )
    df = mothers.join(last, on="mother_nik", how="inner").unique("child_id", keep="last", maintain_order=True)
    kek = pl.col("kek") == "Ya"
    lila = pl.lit(" (LILA ") + pl.col("muac_cm").cast(pl.String).fill_null("?") + pl.lit(" cm)")
    muac = pl.lit(" (MUAC ") + pl.col("muac_cm").cast(pl.String).fill_null("?") + pl.lit(" cm)")
    out = df.with_columns(
        period=period_of(pl.col("hpht").fill_null(pl.lit(inp.as_of))),
        observed_on=pl.col("hpht"),
        value=pl.col("muac_cm"),
        status=pl.when(kek).then(pl.lit(FLAGGED)).otherwise(pl.lit(CLEAR)),
        reason_id=pl.when(kek)
        .then(pl.lit("Ibu KEK saat hamil"))
        .otherwise(pl.lit("Ibu tidak KEK saat hamil"))
        + lila,
        reason_en=pl.when(kek)
        .then(pl.lit("Mother undernourished (KEK) in pregnancy"))
        .otherwise(pl.lit("Mother not undernourished in pregnancy"))
        + muac,
        evidence=pl.struct("batch_id", pl.col("__row").alias("row"), "muac_cm", "kek").struct.json_encode(),
    )
    return _finish(out, rule)


def not_in_siak_flag(inp: Inputs, rule: Rule) -> pl.DataFrame:
    """Every child: flagged when no SIAK record joined its cluster (all children: the denominator)."""
    df = _at(inp.children, inp.as_of)
    out = df.with_columns(
        observed_on=pl.lit(inp.as_of),
        value=pl.lit(None, dtype=pl.Float64),
        status=pl.when(pl.col("in_siak")).then(pl.lit(CLEAR)).otherwise(pl.lit(FLAGGED)),
        reason_id=pl.when(pl.col("in_siak"))
        .then(pl.lit("Tercatat di SIAK"))
        .otherwise(
            pl.lit("Hanya ditemukan di sumber lain, tidak di SIAK: kemungkinan belum punya NIK dan akta")
        ),
        reason_en=pl.when(pl.col("in_siak"))
        .then(pl.lit("In the civil registry"))
        .otherwise(
            pl.lit("Found only in other sources, not in SIAK: likely no NIK and no birth certificate")
        ),
        evidence=pl.lit("{}"),
    )
    return _finish(out, rule)


def compute_flags(
    inp: Inputs, rules: Mapping[str, Rule], *, mothers: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every rule over every linked child."""
    parts: list[pl.DataFrame] = []
    weighings = inp.rows.get("eppgbm")
    if weighings is not None and weighings.height:
        z = growth_z(weighings, inp.children).join(
            inp.children.select("child_id", "desa_name"), on="child_id", how="left"
        )
        for code in ("stunting", "wasting", "underweight", "overweight"):
            if code in rules:
                parts.append(growth_flags(z, rules[code]))
    if "immunisation_incomplete" in rules:
        parts.append(immunisation_flag(inp, rules["immunisation_incomplete"]))
    if "no_akta" in rules:
        parts.append(
            siak_document_flag(
                inp, rules["no_akta"], field_="akta", doc_id="akta kelahiran", doc_en="birth certificate"
            )
        )
    if "no_kia" in rules:
        parts.append(
            siak_document_flag(inp, rules["no_kia"], field_="kia", doc_id="KIA", doc_en="child identity card")
        )
    if "out_of_school" in rules:
        parts.append(out_of_school_flag(inp, rules["out_of_school"]))
    if "child_marriage" in rules:
        parts.append(child_marriage_flag(inp, rules["child_marriage"]))
    if "violence_case" in rules:
        parts.append(
            _any_record_flag(
                inp,
                rules["violence_case"],
                "simfoni",
                date_col="report_date",
                what_id="Kasus kekerasan dilaporkan",
                what_en="Violence case reported",
                detail="violence_type",
            )
        )
    if "low_birth_weight" in rules:
        parts.append(low_birth_weight_flag(inp, rules["low_birth_weight"]))
    if "mother_kek" in rules and mothers is not None:
        parts.append(mother_kek_flag(inp, rules["mother_kek"], mothers))
    if "not_in_siak" in rules:
        parts.append(not_in_siak_flag(inp, rules["not_in_siak"]))
    if not parts:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    return pl.concat([p.cast(OUTPUT_SCHEMA) for p in parts], how="vertical")  # type: ignore[arg-type]
