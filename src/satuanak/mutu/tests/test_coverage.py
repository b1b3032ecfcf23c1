"""Coverage and the coverage- and quality-adjusted stunting rates on a table computed by hand."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from satuanak.mutu import coverage

Z = 1.959963984540054


def _known() -> pl.DataFrame:
    """Kecamatan K1: desa D1 and D2, ten children each, all 12-23 months at the quarter's end."""
    rows: list[tuple[object, ...]] = []
    for desa in ("K1.D1", "K1.D2"):
        for i in range(10):
            rows.append((len(rows) + 1, date(2023, 6, 1), desa, "K1", 10.0 if desa == "K1.D1" else 80.0, i))
    return pl.DataFrame(
        rows, schema=["child_id", "birth_date", "desa", "kecamatan", "distance_km", "i"], orient="row"
    )


def _latest() -> pl.DataFrame:
    """D1: 8 assessed, 2 stunted (posyandu P1); D2: 2 assessed, 1 stunted (P2)."""
    rows = [(c, "K1", "P1", True, c <= 2) for c in range(1, 9)]
    rows += [(11, "K1", "P2", True, True), (12, "K1", "P2", True, False)]
    return pl.DataFrame(
        rows, schema=["child_id", "kecamatan", "posyandu", "assessed", "stunted"], orient="row"
    )


def test_known_under_fives_and_bands() -> None:
    kids = _known().vstack(
        pl.DataFrame(
            [(99, date(2019, 1, 1), "K1.D1", "K1", 10.0, 0), (98, None, "K1.D1", "K1", 10.0, 0)],
            schema=_known().schema,
            orient="row",
        )
    )
    k = coverage.known_under_fives(kids, "2024Q4")
    assert k.height == 20  # 99 is over five on 31 Dec 2024; 98 has no birth date
    assert set(k["age_band"]) == {"12-23 bln"}
    assert set(k["remoteness"]) == {"< 25 km", "50-100 km"}
    cells = coverage.coverage_cells(k, pl.Series([1, 2, 3, 11]), pl.Series([1, 2, 3, 11, 12]))
    d1 = cells.filter((pl.col("dimension") == "desa") & (pl.col("key") == "K1.D1")).row(0, named=True)
    assert (d1["known"], d1["weighed"], d1["never_weighed"]) == (10, 3, 7)
    district = cells.filter(pl.col("dimension") == "district").row(0, named=True)
    assert (district["known"], district["weighed"], district["never_weighed"]) == (20, 4, 15)


def test_adjusted_rates_by_hand() -> None:
    known = coverage.known_under_fives(_known(), "2024Q4")
    est = coverage.estimates(known, _latest(), min_stratum=5, rr_high=1.5)
    d = est.filter(pl.col("level") == "district").row(0, named=True)
    # weighing-based: 3 stunted of 10 assessed
    assert d["rate_weighed"] == pytest.approx(0.3)
    # D1 keeps its own rate (8 ≥ 5): 2 + 2·(2/8) = 2.5; D2 borrows K1's band rate (3/10):
    # 1 + 8·0.3 = 3.4; (2.5 + 3.4) / 20
    assert d["rate_adjusted"] == pytest.approx(5.9 / 20)
    # sensitivity ×1.5: 2 + 2·0.375 + 1 + 8·0.45 = 7.35
    assert d["rate_adjusted_high"] == pytest.approx(7.35 / 20)
    # variance of the imputed parts: 2²·(.25·.75)/8 + 8²·(.3·.7)/10
    half = Z * math.sqrt(4 * 0.25 * 0.75 / 8 + 64 * 0.3 * 0.7 / 10) / 20
    assert d["adjusted_ci_low"] == pytest.approx(5.9 / 20 - half)
    assert d["adjusted_ci_high"] == pytest.approx(5.9 / 20 + half)
    lo, hi = coverage.wilson(3, 10)
    assert (d["weighed_ci_low"], d["weighed_ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert lo == pytest.approx(0.1078, abs=1e-4) and hi == pytest.approx(0.6032, abs=1e-4)


def test_quality_adjusted_sets_a_posyandu_aside() -> None:
    known = coverage.known_under_fives(_known(), "2024Q4")
    est = coverage.estimates(known, _latest(), excluded_posyandu=["P1"], min_stratum=5, rr_high=1.5)
    d = est.filter(pl.col("level") == "district").row(0, named=True)
    # P1's eight children set aside: D1 and D2 both borrow the only rate left (1 of 2 = 0.5)
    assert d["rate_quality"] == pytest.approx(10 / 20)
    assert d["children_set_aside"] == 8
    assert d["rate_adjusted"] == pytest.approx(5.9 / 20)  # the coverage-adjusted rate is untouched
