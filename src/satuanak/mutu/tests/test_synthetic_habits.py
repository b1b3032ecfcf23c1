"""The checks on data they were not written for: the synthetic generator draws its own posyandu-wide
measuring habits (a board read to the half centimetre; no length board, so under-twos measured
standing) among 361 posyandu of a 60,000-child district. The generic checks must find exactly
those posyandu wherever a quarter holds enough measurements to judge — and no other."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings

from satuanak.flags.engine import period_of
from satuanak.mutu.checks import FAIL, quality_checks, spec_load
from satuanak.synth.config import Calibration, DefectRates
from satuanak.synth.generator import STAGES
from satuanak.synth.growth import build_growth
from satuanak.synth.population import build_population
from satuanak.synth.reference import load_reference

REFERENCE_DATE = date(2024, 12, 31)


def test_the_checks_find_the_generators_own_habits() -> None:
    data_dir = Path(settings.SATUANAK_DATA_DIR)
    ref = load_reference(data_dir)
    cal, rates = Calibration(), DefectRates()
    rngs = dict(
        zip(
            STAGES,
            (np.random.default_rng(s) for s in np.random.SeedSequence(31).spawn(len(STAGES))),
            strict=False,
        )
    )
    pop = build_population(
        rng=rngs["penduduk"], ref=ref, n_children=60_000, reference_date=REFERENCE_DATE, cal=cal
    )
    growth = build_growth(
        rng=rngs["gizi"], ref=ref, pop=pop, reference_date=REFERENCE_DATE, cal=cal, rates=rates
    )
    rounding = set(growth.quality_defects["height_rounding"])
    standing = set(growth.quality_defects["all_standing"])
    assert rounding and standing and not rounding & standing

    sexes = pop.persons.filter(pl.col("role") == "anak").select("pid", "female")
    rows = (
        growth.rows.join(sexes, on="pid", how="left")
        .with_columns(pl.col("visit").cast(pl.Date).alias("measurement_date"))
        .select(
            pl.col("pid").alias("child_id"),
            "posyandu",
            "measurement_date",
            (pl.col("measurement_date") - pl.duration(days=pl.col("age_days"))).alias("birth_date"),
            pl.when(pl.col("female")).then(pl.lit("P")).otherwise(pl.lit("L")).alias("sex"),
            pl.col("weight").alias("weight_kg"),
            pl.col("height").alias("height_cm"),
            pl.col("position")
            .replace_strict({"Terlentang": "lying", "Berdiri": "standing"})
            .alias("position"),
            "age_days",
            "haz",
            "waz",
            "whz",
            period_of(pl.col("measurement_date")).alias("period"),
        )
    )
    spec = spec_load(data_dir / "mutu" / "checks.json")
    out = quality_checks(rows.filter(pl.col("period") >= "2024Q3"), spec, ["period", "posyandu"])
    judged = out.filter(pl.col("status") != "few")
    for check, planted in (("digit_height", rounding), ("position", standing)):
        results = judged.filter(pl.col("check") == check)
        failed = set(results.filter(pl.col("status") == FAIL)["posyandu"].to_list())
        assessed = set(results["posyandu"].to_list())
        assert failed <= planted, (check, sorted(failed - planted))  # no posyandu wrongly failed
        assert len(planted & assessed) >= 3, (check, len(planted), len(planted & assessed))
        # every planted posyandu that has enough data in a quarter is failed in that quarter
        for period in ("2024Q3", "2024Q4"):
            q = results.filter(pl.col("period") == period)
            judged_planted = set(q.filter(pl.col("posyandu").is_in(list(planted)))["posyandu"].to_list())
            failed_q = set(q.filter(pl.col("status") == FAIL)["posyandu"].to_list())
            assert judged_planted <= failed_q, (check, period, sorted(judged_planted - failed_q))
    # the other checks fail nowhere on the generator's otherwise well-measured data
    others = judged.filter(~pl.col("check").is_in(["digit_height", "position"]) & (pl.col("status") == FAIL))
    assert others.height == 0, others.select("period", "posyandu", "check", "n", "value").to_dicts()[:5]
