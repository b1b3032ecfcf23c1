"""mutu_recompute(): every e-PPGBM measurement of a linked child in; quality checks per group and
quarter, coverage cells and the three stunting rates out. A rerun of the stage, replaced whole in
one transaction, run after each flags run (linkage/tasks.py, `make flag-synthetic`); once a
retention run has sealed past quarters (`governance.selectors.sealed_through`), their stored rows
are kept and only later quarters are replaced (`_store`).

Also the one thing people enter here: a cadre refresher training (`cadre_training_record`).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satuanak.common.bulk import bulk_insert
from satuanak.facilities.models import HealthFacility, Posyandu
from satuanak.flags import engine
from satuanak.flags.models import FlagRule, SurveyFigure
from satuanak.flags.services import flag_rules_load, rules_in_force
from satuanak.governance.selectors import sealed_through
from satuanak.jempol.plan import CAPITAL_LAT, CAPITAL_LNG, haversine_km
from satuanak.linkage.models import LinkedRecord
from satuanak.linkage.records import record_id_expr
from satuanak.linkage.suppression import staged_records_kept
from satuanak.mutu import checks, coverage
from satuanak.mutu.models import CadreTraining, CoverageCell, PrevalenceEstimate, QualityResult, QualityRun
from satuanak.persons.models import Child
from satuanak.regions.models import Desa, Kecamatan
from satuanak.sources.reference import name_expr, normalise_name

logger = logging.getLogger(__name__)
Progress = Callable[[str, int], None]
DISTRICT_CODE = "61.07"
SPEC_PATH = Path(settings.SATUANAK_DATA_DIR) / "mutu" / "checks.json"
QUARTERS = 8  # the quarters computed, ending with the reference date's
# A posyandu failing one of these in a quarter has its children set aside in the quality-adjusted
# rate: each bears on height or age, hence on HAZ. Weight-only checks do not.
PREVALENCE_CHECKS = ("digit_height", "age_heaping", "biv", "sd_haz", "position", "repeat_height")
LEVEL_KEYS: dict[str, tuple[str, str]] = {  # level -> (key column, name column)
    "posyandu": ("posyandu_key", "posyandu_name"),
    "puskesmas": ("puskesmas_key", "puskesmas_name"),
    "cadre": ("cadre", "cadre"),
    "kecamatan": ("kecamatan", "kecamatan"),
    "district": ("district", "district"),
}


class MutuError(ValueError):
    """A user's mistake (the message is bilingual)."""


def spec() -> checks.Spec:
    """The checks' thresholds, read again only when the file changes: pages ask for them once
    per desa row, and the district may edit the file at any time."""
    return _spec_at(SPEC_PATH.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _spec_at(_mtime_ns: int) -> checks.Spec:
    return checks.spec_load(SPEC_PATH)


def quarters_back(as_of: date, count: int = QUARTERS) -> list[str]:
    year, q = as_of.year, (as_of.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        out.append(f"{year}Q{q}")
        q -= 1
        if q == 0:
            year, q = year - 1, 4
    return out[::-1]


# --- inputs ----------------------------------------------------------------------------------------


def _children() -> pl.DataFrame:
    desa = {
        pk: (code, kec, lat, lng)
        for pk, code, kec, lat, lng in Desa.objects.values_list(
            "pk", "code", "kecamatan__code", "centroid_lat", "centroid_lng"
        )
    }
    km = {
        pk: (None if lat is None or lng is None else haversine_km(CAPITAL_LAT, CAPITAL_LNG, lat, lng))
        for pk, (_c, _k, lat, lng) in desa.items()
    }
    # an anonymised child (retention) has no records left: counting it would read as a child unweighed
    rows = Child.objects.filter(anonymised_on=None).values_list("pk", "sex", "birth_date", "desa_id")
    return pl.DataFrame(
        [
            (pk, sex or None, dob, desa[d][0] if d else None, desa[d][1] if d else None, km.get(d))
            for pk, sex, dob, d in rows
        ],
        schema={
            "child_id": pl.Int64,
            "sex": pl.String,
            "birth_date": pl.Date,
            "desa": pl.String,
            "kecamatan": pl.String,
            "distance_km": pl.Float64,
        },
        orient="row",
    )


def _posyandu_table() -> pl.DataFrame:
    rows = list(
        Posyandu.objects.values_list(
            "code", "name", "desa__code", "desa__kecamatan__code", "puskesmas__code", "puskesmas__name"
        )
    )
    return pl.DataFrame(
        [(normalise_name(n), c, n, d, k, pc, pn) for c, n, d, k, pc, pn in rows],
        schema={
            "_norm": pl.String,
            "p_code": pl.String,
            "p_name": pl.String,
            "p_desa": pl.String,
            "p_kec": pl.String,
            "p_pkm_code": pl.String,
            "p_pkm_name": pl.String,
        },
        orient="row",
    )


def _with_places(z: pl.DataFrame) -> pl.DataFrame:
    """Posyandu, puskesmas, cadre and kecamatan of each measurement. A posyandu is matched to the
    list by its normalised name within the row's desa, else by a name that is unique in the
    district; one that is not in the list is still a group of its own ("?name")."""
    table = _posyandu_table()
    z = z.with_columns(name_expr(pl.col("posyandu").cast(pl.String)).alias("_norm"))
    desa_col = "desa_code" if "desa_code" in z.columns else None
    if desa_col:
        z = z.join(
            table.select("_norm", pl.col("p_desa").alias(desa_col), pl.col("p_code").alias("_by_desa")),
            on=["_norm", desa_col],
            how="left",
        )
    else:
        z = z.with_columns(pl.lit(None, dtype=pl.String).alias("_by_desa"))
    unique = table.filter(pl.col("_norm").is_unique()).select("_norm", pl.col("p_code").alias("_by_name"))
    z = z.join(unique, on="_norm", how="left").with_columns(
        pl.coalesce("_by_desa", "_by_name").alias("p_code")
    )
    z = z.join(table.drop("_norm"), on="p_code", how="left")
    facilities = list(HealthFacility.objects.values_list("code", "name"))
    pkm = {normalise_name(n): (c, n) for c, n in facilities}
    pkm |= {c.lower(): (c, n) for c, n in facilities}
    pkm_frame = pl.DataFrame(
        [(k, c, n) for k, (c, n) in pkm.items()],
        schema={"_pkm_norm": pl.String, "_pkm_code": pl.String, "_pkm_name": pl.String},
        orient="row",
    )
    raw_pkm = (
        pl.col("puskesmas").cast(pl.String) if "puskesmas" in z.columns else pl.lit(None, dtype=pl.String)
    )
    z = z.with_columns(
        pl.when(raw_pkm.str.to_lowercase().is_in(pkm_frame["_pkm_norm"].implode()))
        .then(raw_pkm.str.to_lowercase())
        .otherwise(name_expr(raw_pkm))
        .alias("_pkm_norm")
    ).join(pkm_frame, on="_pkm_norm", how="left")
    raw_name = pl.col("posyandu").cast(pl.String).str.strip_chars()
    cadre = (
        pl.col("measured_by").cast(pl.String).str.strip_chars().str.to_titlecase()
        if "measured_by" in z.columns
        else pl.lit(None, dtype=pl.String)
    )
    desa_kec = pl.col(desa_col).str.slice(0, 8) if desa_col else pl.lit(None, dtype=pl.String)
    return z.with_columns(
        pl.when(pl.col("p_code").is_not_null())
        .then(pl.col("p_code"))
        .when(raw_name.is_not_null() & (raw_name != ""))
        .then(pl.lit("?") + raw_name.str.to_uppercase())
        .otherwise(None)
        .alias("posyandu_key"),
        pl.coalesce("p_name", raw_name).alias("posyandu_name"),
        pl.coalesce("p_pkm_code", "_pkm_code", pl.lit("?") + raw_pkm.str.to_uppercase()).alias(
            "puskesmas_key"
        ),
        pl.coalesce("p_pkm_name", "_pkm_name", raw_pkm).alias("puskesmas_name"),
        pl.when(cadre != "").then(cadre).otherwise(None).alias("cadre"),
        pl.coalesce("p_kec", desa_kec, "c_kecamatan").alias("kecamatan"),
        pl.coalesce("p_desa", pl.col(desa_col) if desa_col else pl.lit(None, dtype=pl.String)).alias(
            "desa_of_row"
        ),
        pl.lit("61.07").alias("district"),
    )


def measurements(children: pl.DataFrame) -> pl.DataFrame | None:
    """Every e-PPGBM row of a linked child with its z-scores and places (None before any)."""
    lazy = staged_records_kept("eppgbm")  # less the rows the retention job removed
    if lazy is None:
        return None
    links = pl.DataFrame(
        list(LinkedRecord.objects.exclude(child=None).values_list("record_id", "child_id")),
        schema={"record_id": pl.String, "child_id": pl.Int64},
        orient="row",
    )
    rows = (
        lazy.with_columns(record_id_expr("eppgbm").alias("record_id"))
        .join(links.lazy(), on="record_id", how="inner")
        .collect()
    )
    if not rows.height:
        return None
    z = engine.growth_z(rows, children).join(
        children.select(
            "child_id", pl.col("kecamatan").alias("c_kecamatan"), pl.col("desa").alias("desa_name")
        ),
        on="child_id",
        how="left",
    )
    z = _with_places(z).filter(pl.col("measurement_date").is_not_null())
    return z.with_columns(engine.period_of(pl.col("measurement_date")).alias("period"))


# --- the run ---------------------------------------------------------------------------------------


def quality_rows(z: pl.DataFrame) -> pl.DataFrame:
    """The measurement frame as the checks read it, with every level's place columns."""
    places = list(dict.fromkeys(c for pair in LEVEL_KEYS.values() for c in pair))
    return checks.rows_from_growth_z(z, [*places, "desa_of_row"])


def _quality(z: pl.DataFrame, sp: checks.Spec, periods: list[str]) -> pl.DataFrame:
    prepared = checks.prepare(quality_rows(z), sp).filter(pl.col("period").is_in(periods))
    parts = []
    for level, (key, name) in LEVEL_KEYS.items():
        part = prepared.filter(pl.col(key).is_not_null())
        if not part.height:
            continue
        extra = (
            [
                pl.col(name).first().alias("name"),
                pl.col("kecamatan").mode().first().alias("kec"),
                pl.col("desa_of_row").mode().first().alias("desa"),
                pl.col("puskesmas_name").mode().first().alias("pkm"),
            ]
            if level != "district"
            else [pl.lit("Kabupaten Bengkayang").alias("name")]
        )
        about = part.group_by("period", key).agg(extra)
        judged = checks.quality_checks_prepared(part, sp, ["period", key]).join(about, on=["period", key])
        parts.append(judged.rename({key: "key"}).with_columns(pl.lit(level).alias("level")))
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="diagonal_relaxed")


_LATEST_COLUMNS = (
    "child_id", "period", "measurement_date", "__row", "posyandu_key", "c_dob", "c_sex", "age_days",
    "height_cm", "weight_kg", "position", "haz", "waz", "whz", "posyandu", "desa_name", "record_id",
    "batch_id",
)  # fmt: skip


def _latest(z: pl.DataFrame, rule: engine.Rule | None) -> pl.DataFrame:
    """Per child and quarter, the latest measurement (the stunting flag's own choice) with its
    posyandu, whether it could be assessed and whether HAZ is under the cut-off."""
    # only what the choice and the stunting rule read: sorting and grouping every staged column
    # cost most of the stage's memory (bench/mutu.py)
    z = z.select([c for c in _LATEST_COLUMNS if c in z.columns])
    ordered = z.sort(["child_id", "measurement_date", "__row"])
    latest = ordered.group_by(["child_id", "period"], maintain_order=True).last()
    if rule is None:
        return latest.select(
            "child_id",
            "period",
            "posyandu_key",
            pl.lit(False).alias("assessed"),
            pl.lit(False).alias("stunted"),
        )
    status = engine.growth_flags(ordered, rule).select("child_id", "period", "status")
    return (
        latest.select("child_id", "period", pl.col("posyandu_key").alias("posyandu"))
        .join(status, on=["child_id", "period"], how="left")
        .with_columns(
            (pl.col("status") != engine.NOT_ASSESSABLE).fill_null(False).alias("assessed"),
            (pl.col("status") == engine.FLAGGED).fill_null(False).alias("stunted"),
        )
    )


def mutu_recompute(*, as_of: date | None = None, progress: Progress | None = None) -> QualityRun:
    report = progress or (lambda _s, _p: None)
    as_of = as_of or timezone.localdate()
    if not FlagRule.objects.exists():
        flag_rules_load()
    run = QualityRun.objects.create(as_of=as_of)
    started = timezone.now()
    try:
        sp = spec()
        periods = quarters_back(as_of)
        report("membaca data / reading", 10)
        children = _children()
        z = measurements(children)
        z = None if z is None else z.filter(pl.col("measurement_date") <= as_of)
        quality = pl.DataFrame()
        cells: list[pl.DataFrame] = []
        estimates: list[pl.DataFrame] = []
        if z is not None and z.height:
            report("memeriksa mutu / quality checks", 30)
            quality = _quality(z, sp, periods)
            report("cakupan / coverage", 60)
            rule = rules_in_force(as_of).get("stunting")
            latest_all = _latest(z.filter(pl.col("period").is_in(periods)), rule)
            visits = z.select("child_id", "period")
            latest_all = latest_all.join(children.select("child_id", "kecamatan"), on="child_id", how="left")
            for period in sorted(set(latest_all["period"].to_list())):
                known = coverage.known_under_fives(children, period)
                end_rows = visits.filter(pl.col("period") <= period)
                weighed = end_rows.filter(pl.col("period") == period)["child_id"].unique()
                ever = end_rows["child_id"].unique()
                cells.append(
                    coverage.coverage_cells(known, weighed, ever).with_columns(pl.lit(period).alias("period"))
                )
                bad = _failing_posyandu(quality, period)
                latest = latest_all.filter(pl.col("period") == period)
                est = coverage.estimates(
                    known,
                    latest,
                    excluded_posyandu=bad,
                    min_stratum=int(sp.raw.get("min_stratum", 5)),
                    rr_high=float(sp.raw.get("rr_high", 1.5)),
                )
                estimates.append(est.with_columns(pl.lit(period).alias("period")))
        report("menyimpan / writing", 85)
        with transaction.atomic():
            _store(quality, cells, estimates)
    except Exception as exc:
        QualityRun.objects.filter(pk=run.pk).update(
            status=QualityRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
        )
        raise
    stats = {
        "measurements": 0 if z is None else z.height,
        "results": quality.height,
        "fail": int((quality["status"] == checks.FAIL).sum()) if quality.height else 0,
        "periods": len(estimates),
        "seconds": round((timezone.now() - started).total_seconds(), 1),
    }
    QualityRun.objects.filter(pk=run.pk).update(
        status=QualityRun.Status.DONE, finished_at=timezone.now(), stats=stats
    )
    report("selesai / done", 100)
    run.refresh_from_db()
    return run


def _failing_posyandu(quality: pl.DataFrame, period: str) -> list[str]:
    if not quality.height:
        return []
    return (
        quality.filter(
            (pl.col("level") == "posyandu")
            & (pl.col("period") == period)
            & pl.col("check").is_in(PREVALENCE_CHECKS)
            & (pl.col("status") == checks.FAIL)
        )["key"]
        .unique()
        .sort()
        .to_list()
    )


# QualityResult's columns <- the quality frame's
_RESULT_COLUMNS = {
    "period": "period",
    "level": "level",
    "key": "key",
    "name": "name",
    "kecamatan": "kec",
    "desa": "desa",
    "puskesmas": "pkm",
    "check_code": "check",
    "n": "n",
    "value": "value",
    "status": "status",
    "threshold": "threshold",
    "reading_id": "reading_id",
    "reading_en": "reading_en",
    "detail": "detail",
}


def _store(quality: pl.DataFrame, cells: list[pl.DataFrame], estimates: list[pl.DataFrame]) -> None:
    """Replace what the run computed, less the quarters a retention run sealed: their stored rows
    stay as they are (flags/services.py `_store` says why). Without a seal every quarter is
    replaced, as before."""
    seal = sealed_through()
    models = (QualityResult, CoverageCell, PrevalenceEstimate)
    if seal is None:
        for model in models:
            model.objects.all().delete()
    else:
        for model in models:
            model.objects.filter(period__gt=seal).delete()
        # "YYYYQn" compares as text in quarter order, here as in the database
        if quality.height:
            quality = quality.filter(pl.col("period") > seal)
        cells = [c.filter(pl.col("period") > seal) for c in cells]
        estimates = [e.filter(pl.col("period") > seal) for e in estimates]
    if quality.height:
        q = quality.with_columns(
            pl.col("key").cast(pl.String).str.slice(0, 200),
            pl.coalesce(pl.col("name").cast(pl.String), pl.col("key").cast(pl.String)).str.slice(0, 200),
            *[pl.col(c).fill_null("").str.slice(0, 150) for c in ("kec", "desa", "pkm")],
            pl.col("value").fill_nan(None),
        )
        bulk_insert(
            QualityResult._meta.db_table,
            list(_RESULT_COLUMNS),
            q.select(list(_RESULT_COLUMNS.values())).iter_rows(),
        )
    cell_rows = pl.concat(cells) if cells else pl.DataFrame()
    if cell_rows.height:
        bulk_insert(
            CoverageCell._meta.db_table,
            ["period", "dimension", "key", "known", "weighed", "never_weighed"],
            cell_rows.filter(pl.col("key").is_not_null())
            .select("period", "dimension", "key", "known", "weighed", "never_weighed")
            .iter_rows(),
        )
    est = pl.concat(estimates, how="diagonal_relaxed") if estimates else pl.DataFrame()
    if est.height:
        fields = [f.column for f in PrevalenceEstimate._meta.fields if f.name != "id"]
        floats = [c for c in fields if est.schema.get(c) == pl.Float64]
        bulk_insert(
            PrevalenceEstimate._meta.db_table,
            fields,
            est.filter(pl.col("area_code").is_not_null())
            .with_columns([pl.col(c).fill_nan(None) for c in floats])
            .select(fields)
            .iter_rows(),
        )


# --- people's entries ---------------------------------------------------------------------------


def cadre_training_record(
    *,
    user: Any,
    posyandu_code: str,
    held_on: str,
    topic: str,
    participants: str,
    trainer: str = "",
    note: str = "",
) -> CadreTraining:
    """A refresher training of a posyandu's cadres. MutuError with a bilingual message on bad input."""
    posyandu = Posyandu.objects.filter(code=posyandu_code.strip()).first()
    if posyandu is None:
        raise MutuError("Posyandu tidak dikenal. / Unknown posyandu.")
    try:
        day = date.fromisoformat(held_on.strip())
    except ValueError:
        raise MutuError("Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD).") from None
    if day > timezone.localdate():
        raise MutuError("Tanggal pelatihan di masa depan. / The training date is in the future.")
    topic = topic.strip()
    if not topic:
        raise MutuError("Isi materi pelatihan. / Give the training's topic.")
    try:
        n = int(participants.strip())
    except ValueError:
        raise MutuError(
            "Jumlah kader harus bilangan bulat. / The number of cadres must be a whole number."
        ) from None
    if not 1 <= n <= 200:
        raise MutuError("Jumlah kader 1–200. / Between 1 and 200 cadres.")
    return CadreTraining.objects.create(
        posyandu=posyandu,
        held_on=day,
        topic=topic[:200],
        participants=n,
        trainer=trainer.strip()[:150],
        note=note.strip()[:2000],
        recorded_by=user,
    )


def survey_figure_record(
    *, user: Any, area_code: str, year: str, percent: str, source: str, note: str = ""
) -> SurveyFigure:
    """The stunting prevalence of a survey (SSGI, SKI, ...) for the district or a kecamatan, as the
    district enters it; the same source, area and year again replaces the value."""
    code = area_code.strip()
    if code == DISTRICT_CODE:
        level = "district"
    elif Kecamatan.objects.filter(code=code).exists():
        level = "kecamatan"
    else:
        raise MutuError("Wilayah tidak dikenal. / Unknown area.")
    try:
        y = int(year.strip())
    except ValueError:
        raise MutuError("Tahun harus angka, mis. 2022. / The year must be a number, e.g. 2022.") from None
    if not 2000 <= y <= timezone.localdate().year:
        raise MutuError("Tahun di luar 2000 sampai tahun ini. / Year outside 2000 to this year.")
    try:
        value = float(percent.strip().replace(",", "."))
    except ValueError:
        raise MutuError(
            "Angka prevalensi harus angka, mis. 30,1. / The prevalence must be a number."
        ) from None
    if not 0 <= value <= 100 or math.isnan(value):
        raise MutuError("Prevalensi 0–100%. / The prevalence is 0 to 100%.")
    source = source.strip()
    if not source:
        raise MutuError("Sebutkan sumbernya, mis. SSGI 2022. / Name the source, e.g. SSGI 2022.")
    figure, _created = SurveyFigure.objects.update_or_create(
        indicator="stunting",
        area_level=level,
        area_code=code,
        year=y,
        source=source[:100],
        defaults={
            "value": value / 100,
            "note": (note.strip() or f"dimasukkan oleh / entered by {user}")[:2000],
        },
    )
    return figure
