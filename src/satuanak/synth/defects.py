"""Corruptions at stated rates, recorded per row in a `defects` column (codes joined by ";")."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from satuanak.synth.names import name_variants
from satuanak.synth.writers import TEXT_SUFFIX

_MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def _mark(df: pl.DataFrame, mask: pl.Series | pl.Expr, code: str) -> pl.DataFrame:
    return df.with_columns(
        defects=pl.when(mask)
        .then(pl.concat_str([pl.col("defects"), pl.lit(code + ";")]))
        .otherwise(pl.col("defects"))
    )


def _mistype(niks: list[str], rng: np.random.Generator) -> list[str]:
    out = []
    for nik in niks:
        i = int(rng.integers(0, 15))
        if rng.random() < 0.5 and nik[i] != nik[i + 1]:
            out.append(nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :])
        else:
            d = (int(nik[i]) + int(rng.integers(1, 10))) % 10
            out.append(nik[:i] + str(d) + nik[i + 1 :])
    return out


def identity_defects(
    df: pl.DataFrame,
    *,
    rng: np.random.Generator,
    missing_nik: float,
    mistyped_nik: float,
    name_variant: float,
    dob_swap: float,
    wrong_desa: float,
    nik: str | None = None,
    name: str | None = None,
    dob: str | None = None,
    desa: str | None = None,
    desa_neighbour: npt.NDArray[np.int64] | None = None,
    person: str = "pid",
) -> pl.DataFrame:
    """Person-level mistakes: every row of a person in this source carries the same one."""
    if "defects" not in df.columns:
        df = df.with_columns(defects=pl.lit(""))
    cols = [c for c in (nik, name, dob, desa) if c]
    people = df.select(person, *cols).unique(subset=person, keep="first", maintain_order=True)
    k = people.height
    u = rng.random((5, k))
    upd: dict[str, pl.Series] = {}
    marks: dict[str, np.ndarray] = {}
    if nik:
        has = people[nik].is_not_null().to_numpy()
        miss = has & (u[0] < missing_nik)
        mist = has & ~miss & (u[1] < mistyped_nik / max(1 - missing_nik, 1e-9))
        vals = people[nik].to_list()
        idx = np.flatnonzero(mist)
        for i, v in zip(idx, _mistype([vals[i] for i in idx], rng), strict=True):
            vals[i] = v
        for i in np.flatnonzero(miss):
            vals[i] = None
        upd[nik] = pl.Series(nik, vals, dtype=pl.String)
        marks["missing_nik"], marks["mistyped_nik"] = miss, mist
    if name:
        var = people[name].is_not_null().to_numpy() & (u[2] < name_variant)
        vals = people[name].to_list()
        idx = np.flatnonzero(var)
        for i, v in zip(idx, name_variants(names=[vals[i] for i in idx], rng=rng), strict=True):
            vals[i] = v
        upd[name] = pl.Series(name, vals, dtype=pl.String)
        marks["name_variant"] = var
    if dob:
        d = people[dob]
        day, month = d.dt.day().to_numpy(), d.dt.month().to_numpy()
        eligible = d.is_not_null().to_numpy() & (day <= 12) & (day != month)
        sw = eligible & (u[3] < dob_swap)
        ok = pl.Series(eligible)
        swapped = (
            pl.DataFrame({"y": d.dt.year(), "m": day, "d": month, "ok": ok})
            .select(
                pl.date(
                    pl.col("y").fill_null(2000),
                    pl.when(pl.col("ok")).then(pl.col("m")).otherwise(1),
                    pl.when(pl.col("ok")).then(pl.col("d")).otherwise(1),
                )
            )
            .to_series()
        )
        upd[dob] = pl.Series(dob, np.where(sw, swapped.to_numpy(), d.to_numpy()))
        marks["dob_day_month_swap"] = sw
    if desa and desa_neighbour is not None:
        wd = u[4] < wrong_desa
        dv = people[desa].to_numpy()
        upd[desa] = pl.Series(desa, np.where(wd, desa_neighbour[dv], dv))
        marks["wrong_desa"] = wd
    repl = pl.DataFrame(
        {
            person: people[person],
            **{f"__{c}": s for c, s in upd.items()},
            **{f"__m_{m}": v for m, v in marks.items()},
        }
    )
    df = df.join(repl, on=person, how="left", maintain_order="left")
    df = df.with_columns([pl.col(f"__{c}").alias(c) for c in upd])
    for m in marks:
        df = _mark(df, pl.col(f"__m_{m}"), m)
    return df.drop([c for c in df.columns if c.startswith("__")])


def duplicate_rows(df: pl.DataFrame, *, rng: np.random.Generator, rate: float) -> pl.DataFrame:
    """Copies of ~rate of rows, each placed right after its original (as double entry does)."""
    n = df.height
    dup = np.flatnonzero(rng.random(n) < rate)
    order = np.concatenate([np.arange(n), dup])
    key = np.concatenate([np.arange(n) * 2, dup * 2 + 1])
    out = df[order[np.argsort(key, kind="stable")]]
    is_copy = np.zeros(n + dup.size, dtype=bool)
    is_copy[np.searchsorted(np.sort(key), dup * 2 + 1)] = True
    return _mark(out, pl.Series(is_copy), "duplicate_row")


def blank_fields(
    df: pl.DataFrame, *, rng: np.random.Generator, rate: float, columns: list[str]
) -> pl.DataFrame:
    hit = rng.random(df.height) < rate
    which = rng.integers(0, len(columns), df.height)
    for i, c in enumerate(columns):
        m = pl.Series(hit & (which == i))
        df = df.with_columns(pl.when(m).then(None).otherwise(pl.col(c)).alias(c))
        if c + TEXT_SUFFIX in df.columns:
            df = df.with_columns(
                pl.when(m).then(None).otherwise(pl.col(c + TEXT_SUFFIX)).alias(c + TEXT_SUFFIX)
            )
        df = _mark(df, m, f"blank_{c}")
    return df


def dates_as_text(df: pl.DataFrame, *, rng: np.random.Generator, rate: float, column: str) -> pl.DataFrame:
    """Some XLSX date cells were typed as text, in whatever format the typist used."""
    hit = (rng.random(df.height) < rate) & df[column].is_not_null().to_numpy()
    fmt = rng.integers(0, 4, df.height)
    d = pl.col(column)
    text = (
        pl.when(pl.Series(fmt) == 0)
        .then(d.dt.strftime("%d/%m/%Y"))
        .when(pl.Series(fmt) == 1)
        .then(d.dt.strftime("%Y-%m-%d"))
        .when(pl.Series(fmt) == 2)
        .then(d.dt.strftime("%d-%m-%Y"))
        .otherwise(
            pl.concat_str(
                [
                    d.dt.day().cast(pl.String),
                    d.dt.month().replace_strict(dict(enumerate(_MONTHS_ID, start=1)), return_dtype=pl.String),
                    d.dt.year().cast(pl.String),
                ],
                separator=" ",
            )
        )
    )
    df = df.with_columns(pl.when(pl.Series(hit)).then(text).otherwise(None).alias(column + TEXT_SUFFIX))
    return _mark(df, pl.Series(hit), f"date_as_text_{column}")


def impossible_measurements(df: pl.DataFrame, *, rng: np.random.Generator, rate: float) -> pl.DataFrame:
    """Weight 0 or 250, weight typed in grams, height typed in metres."""
    hit = rng.random(df.height) < rate
    kind = pl.Series(rng.integers(0, 4, df.height))
    h = pl.Series(hit)
    df = df.with_columns(
        weight=pl.when(h & (kind == 0))
        .then(0.0)
        .when(h & (kind == 1))
        .then(250.0)
        .when(h & (kind == 2))
        .then(pl.col("weight") * 1000)
        .otherwise(pl.col("weight")),
        height=pl.when(h & (kind == 3)).then((pl.col("height") / 100).round(3)).otherwise(pl.col("height")),
    )
    return _mark(df, h, "impossible_measurement")


def finish(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col("defects").str.strip_chars_end(";"))


def fmt_date(col: str, fmt: str) -> pl.Expr:
    return pl.col(col).dt.strftime(fmt)


_ = date
