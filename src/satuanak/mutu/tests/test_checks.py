"""The quality checks on small tables computed by hand: terminal digits (χ², its p-value, the digit
preference score), the SD of z-scores, position for age, repeated values, and the verdicts."""

from __future__ import annotations

import json
import math
import statistics
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings

from satuanak.mutu import checks
from satuanak.mutu.checks import Check, chi2_sf, digit_test, quality_checks, spec_load

SPEC = spec_load(Path(settings.SATUANAK_DATA_DIR) / "mutu" / "checks.json")
HEIGHTS = [85.0, 85.5, 86.0, 86.3, 87.5, 88.0, 90.2, 91.0, 92.5, 93.7]  # digits 0 5 0 3 5 0 2 0 5 7
HAZ = [-2.0, -1.0, 0.0, 1.0, 2.0, -2.5, -0.5, 0.5, 1.5, 0.0]


def _chi2_sf_odd_df(x: float, df: int) -> float:
    """The textbook closed form for odd degrees of freedom (an independent check of chi2_sf):
    Q = erfc(√(x/2)) + √(2x/π)·e^(−x/2)·Σ_{k=1}^{(df−1)/2} x^(k−1) / (1·3·…·(2k−1))."""
    total, denom = 0.0, 1.0
    for k in range(1, (df - 1) // 2 + 1):
        denom *= 2 * k - 1
        total += x ** (k - 1) / denom
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2) * total


def _frame(heights: list[float], haz: list[float]) -> pl.DataFrame:
    n = len(heights)
    return pl.DataFrame(
        {
            "child_id": list(range(n)),
            "g": ["A"] * n,
            "measurement_date": [date(2024, 11, 10)] * n,
            "birth_date": [date(2023, 1, 3)] * n,
            "sex": ["L"] * n,
            "weight_kg": [11.2] * n,
            "height_cm": heights,
            "position": ["lying"] * n,
            "age_days": [677] * n,
            "haz": haz,
            "waz": [0.0] * n,
            "whz": [0.0] * n,
        }
    )


def test_terminal_digits_by_hand() -> None:
    # counts by hand: four on .0, three on .5, one each on .2, .3, .7
    expected_counts = [4, 0, 1, 1, 0, 3, 0, 1, 0, 0]
    # χ² against 1 per digit: 9+1+0+0+1+4+1+0+1+1 = 18
    t = digit_test(expected_counts)
    assert t.chi2 == pytest.approx(18.0)
    assert t.share_0_5 == pytest.approx(0.7)
    assert t.dps == pytest.approx(100 * math.sqrt(18 / 90))  # 44.72
    assert t.p_value == pytest.approx(_chi2_sf_odd_df(18.0, 9), rel=1e-9)
    assert 0.025 < t.p_value < 0.05  # between the tabled 19.02 (2.5%) and 16.92 (5%)
    # tabled critical values of χ²(9)
    assert chi2_sf(16.919, 9) == pytest.approx(0.05, abs=2e-5)
    assert chi2_sf(21.666, 9) == pytest.approx(0.01, abs=2e-5)
    assert chi2_sf(0.0, 9) == 1.0

    out = quality_checks(_frame(HEIGHTS, HAZ), SPEC, ["g"])
    row = out.filter(pl.col("check") == "digit_height").row(0, named=True)
    detail = json.loads(row["detail"])
    assert detail["digits"] == expected_counts
    assert detail["chi2"] == pytest.approx(18.0)
    assert row["value"] == pytest.approx(0.7)
    assert row["status"] == "few"  # 10 measurements: below the check's minimum of 50, no verdict


def test_sd_by_hand() -> None:
    out = quality_checks(_frame(HEIGHTS, HAZ), SPEC, ["g"])
    sd = out.filter(pl.col("check") == "sd_haz")["value"][0]
    assert sd == pytest.approx(statistics.stdev(HAZ))  # n−1 denominator: 1.3437...
    # a biologically implausible z is left out of the SD and counted as a BIV
    out = quality_checks(_frame(HEIGHTS, [*HAZ[:-1], 7.0]), SPEC, ["g"])
    assert out.filter(pl.col("check") == "sd_haz")["value"][0] == pytest.approx(statistics.stdev(HAZ[:-1]))
    assert out.filter(pl.col("check") == "biv")["value"][0] == pytest.approx(0.1)


def test_position_and_repeats() -> None:
    d0 = date(2024, 7, 10)
    rows = [
        # child, days after d0, age, position, height
        (1, 0, 400, "standing", 75.0),  # under 2 standing: wrong
        (2, 0, 800, "lying", 85.0),  # over 2 lying: wrong
        (3, 0, 800, "standing", 85.0),  # right
        (4, 0, 500, "lying", 78.0),
        (4, 30, 530, "lying", 78.0),  # same height 30 days later: a repeat
        (5, 0, 500, "lying", 78.0),
        (5, 10, 510, "lying", 78.0),  # 10 days later: too close to count as a pair
    ]
    df = pl.DataFrame(
        {
            "child_id": [r[0] for r in rows],
            "g": ["A"] * len(rows),
            "measurement_date": [d0 + timedelta(days=r[1]) for r in rows],
            "birth_date": [d0 - timedelta(days=r[2] - r[1]) for r in rows],
            "sex": ["P"] * len(rows),
            "weight_kg": [10.0, 12.0, 12.0, 10.0, 10.4, 10.0, 10.0],
            "height_cm": [r[4] for r in rows],
            "position": [r[3] for r in rows],
            "age_days": [r[2] for r in rows],
            "haz": [0.0] * len(rows),
            "waz": [0.0] * len(rows),
            "whz": [0.0] * len(rows),
        }
    )
    out = {r["check"]: r for r in quality_checks(df, SPEC, ["g"]).iter_rows(named=True)}
    assert out["position"]["n"] == 7 and out["position"]["value"] == pytest.approx(2 / 7)
    assert out["repeat_height"]["n"] == 1 and out["repeat_height"]["value"] == 1.0
    assert out["repeat_weight"]["n"] == 1 and out["repeat_weight"]["value"] == 0.0


def test_verdicts_need_evidence_beyond_chance() -> None:
    biv = Check(
        code="biv", title_id="", title_en="", unit="share", min_n=30, reading_id="", reading_en="",
        warn_above=0.01, fail_above=0.03,
    )  # fmt: skip
    # 2 of 50 (4%): past the failure threshold, but the lower bound is not: a warning only
    assert checks._status(biv, 50, 0.04, checks.wilson_bounds(2, 50)) == checks.WARN
    # 20 of 200 (10%): clearly past it
    assert checks._status(biv, 200, 0.10, checks.wilson_bounds(20, 200)) == checks.FAIL
    assert checks._status(biv, 10, 0.5, checks.wilson_bounds(5, 10)) == checks.FEW
    assert checks._status(biv, 200, 0.0, checks.wilson_bounds(0, 200)) == checks.OK
    sd = SPEC.check("sd_haz")
    assert checks._status(sd, 400, 1.6, (1.5, 1.7)) == checks.FAIL
    assert checks._status(sd, 400, 0.6, (0.55, 0.65)) == checks.FAIL
    assert checks._status(sd, 400, 1.25, (1.15, 1.35)) == checks.WARN
    assert checks._status(sd, 400, 1.05, (0.98, 1.12)) == checks.OK
    # a digit check with shares past the threshold but no significant χ² does not count
    digit = SPEC.check("digit_height")
    assert checks._status(digit, 60, 0.45, (0.36, 0.55), significant=False) == checks.OK


def test_every_check_has_its_reading_and_threshold() -> None:
    codes = [c.code for c in SPEC.checks]
    assert len(codes) == len(set(codes)) == 11
    for c in SPEC.checks:
        assert c.reading_id and c.reading_en and c.threshold_text()
