"""Flag rules on hand-made children: the right finding, a reason a cadre can read, and "not
assessable" (never a wrong flag) when the data cannot say."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from satuanak.flags import aggregate, engine
from satuanak.flags.engine import CLEAR, FLAGGED, NOT_ASSESSABLE, Inputs, Rule

AS_OF = date(2025, 9, 30)
STUNTING = Rule("stunting", 1, date(2020, 1, 8), {"indicator": "lhfa", "below": -2.0, "max_age_days": 1826})
WASTING = Rule("wasting", 1, date(2020, 1, 8), {"indicator": "wflh", "below": -2.0, "max_age_days": 1826})
IMM = Rule(
    "immunisation_incomplete", 1, date(2023, 1, 1), {"max_age_days": 730, "grace_days": 30, "idl_only": True}
)


def _children(rows: list[tuple[int, str | None, date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(cid, sex, dob, "61.07.01.2001", "Sungai Duri", True) for cid, sex, dob in rows],
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


def _weighings(rows: list[tuple[int, date, float | None, float | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (cid, f"eppgbm:{cid}", 1, i + 2, d, w, h, pos, "Posyandu Melati")
            for i, (cid, d, w, h, pos) in enumerate(rows)
        ],
        schema={
            "child_id": pl.Int64,
            "record_id": pl.String,
            "batch_id": pl.Int64,
            "__row": pl.Int64,
            "measurement_date": pl.Date,
            "weight_kg": pl.Float64,
            "height_cm": pl.Float64,
            "position": pl.String,
            "posyandu": pl.String,
        },
        orient="row",
    )


def _schedule() -> pl.DataFrame:
    from pathlib import Path

    path = Path(__file__).resolve().parents[4] / "data" / "flags" / "immunisation_schedule.csv"
    return pl.read_csv(path, schema_overrides={"counts_for_idl": pl.Boolean, "valid_from": pl.Date})


def _run(children: pl.DataFrame, rows: dict[str, pl.DataFrame], rules: list[Rule]) -> pl.DataFrame:
    inp = Inputs(children=children, rows=rows, schedule=_schedule(), as_of=AS_OF)
    return engine.compute_flags(inp, {r.code: r for r in rules})


def test_stunting_history_per_quarter_with_a_reason_a_cadre_reads() -> None:
    kids = _children([(1, "L", date(2023, 6, 1))])
    # March: 78 cm at 21 months (about -2.9 SD); September: 86 cm at 27 months (about -0.9 SD)
    w = _weighings([(1, date(2025, 3, 3), 9.5, 78.0, "lying"), (1, date(2025, 8, 3), 11.5, 86.0, "standing")])
    out = _run(kids, {"eppgbm": w}, [STUNTING]).sort("period")
    assert out["period"].to_list() == ["2025Q1", "2025Q3"]
    assert out["status"].to_list() == [FLAGGED, CLEAR]  # "stunted in March, not in September"
    march = out.row(0, named=True)
    assert march["reason_id"].startswith("TB/U −2,")
    assert "pada 3 Maret 2025 di Posyandu Melati, Desa Sungai Duri" in march["reason_id"]
    assert march["reason_en"].startswith("height-for-age −2.") and "on 3 March 2025" in march["reason_en"]
    evidence = json.loads(march["evidence"])
    assert evidence["height_cm"] == 78.0 and evidence["record_id"] == "eppgbm:1" and evidence["z"] < -2


@pytest.mark.parametrize(
    ("sex", "dob", "weight", "height", "why"),
    [
        ("P", date(2024, 1, 1), 9.0, None, "tinggi/panjang badan tidak diisi"),
        ("P", date(2018, 1, 1), 15.0, 100.0, "umur saat diukur di luar 0-60 bulan"),
        (None, date(2024, 1, 1), 9.0, 75.0, "jenis kelamin tidak diketahui"),
        ("P", None, 9.0, 75.0, "tanggal lahir tidak diketahui"),
        ("P", date(2024, 1, 1), 9.0, 175.0, "pengukuran tidak masuk akal"),  # 1.75 m at 20 months
        ("P", date(2025, 8, 1), 9.0, 75.0, "umur saat diukur di luar 0-60 bulan"),  # measured before birth
    ],
)
def test_bad_data_is_not_assessable_with_its_reason(
    sex: str | None, dob: date | None, weight: float, height: float | None, why: str
) -> None:
    kids = _children([(7, sex, dob)])
    w = _weighings([(7, date(2025, 7, 1), weight, height, "lying")])
    out = _run(kids, {"eppgbm": w}, [STUNTING, WASTING])
    stunting = out.filter(pl.col("code") == "stunting").row(0, named=True)
    assert stunting["status"] == NOT_ASSESSABLE
    assert why in stunting["reason_id"]
    assert stunting["reason_en"].startswith("Not assessable: ")
    assert out.filter(pl.col("status") == FLAGGED).height == 0


def test_immunisation_due_for_age_and_the_antigens_not_yet_in_use() -> None:
    kids = _children([(1, "P", date(2025, 3, 1)), (2, "L", date(2022, 12, 1)), (3, "L", date(2025, 9, 20))])
    doses = pl.DataFrame(
        {
            "child_id": [1, 1, 1, 1, 1, 1],
            "vaccine": ["HB0", "BCG", "OPV1", "DPT-HB-Hib1", "OPV2", "DPT-HB-Hib2"],
            "record_id": ["imunisasi:1"] * 6,
            "batch_id": [1] * 6,
            "__row": list(range(2, 8)),
        }
    )
    out = _run(kids, {"imunisasi": doses}, [IMM]).sort("child_id")
    one = out.row(0, named=True)  # 7 months: OPV3, DPT-HB-Hib3, OPV4, IPV1 are due (with 30 days' grace)
    assert one["status"] == FLAGGED
    assert one["reason_id"].startswith("Belum tercatat: OPV3, DPT-HB-Hib3, OPV4, IPV1")
    assert "umur 7 bulan" in one["reason_id"]
    assert out.filter(pl.col("child_id") == 2).height == 0  # 33 months: beyond the rule's ages
    # 10 days old: only HB0 is due, past its grace? no (0 + 30 > 10): nothing due yet
    assert out.filter(pl.col("child_id") == 3)["status"].to_list() == [CLEAR]


def test_wilson_interval_known_values() -> None:
    df = pl.DataFrame({"k": [0, 5, 10], "n": [10, 10, 10]})
    lo, hi = aggregate.wilson(pl.col("k"), pl.col("n"))
    got = df.select(lo.alias("lo"), hi.alias("hi"))
    assert got["lo"].to_list() == pytest.approx([0.0, 0.2366, 0.7225], abs=1e-4)
    assert got["hi"].to_list() == pytest.approx([0.2775, 0.7634, 1.0], abs=1e-4)


def test_gi_star_finds_a_cluster_of_high_values_and_nothing_in_uniform_data() -> None:
    # a 5x5 grid of desa (rook neighbours); the top-left 3x3 block is high
    codes = [f"{r}{c}" for r in range(5) for c in range(5)]
    nb = {
        f"{r}{c}": [
            f"{r + dr}{c + dc}"
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))
            if 0 <= r + dr < 5 and 0 <= c + dc < 5
        ]
        for r in range(5)
        for c in range(5)
    }
    values = {code: (10.0 if int(code[0]) < 3 and int(code[1]) < 3 else 1.0) for code in codes}
    gi = {d: (z, p) for d, z, p in aggregate.getis_ord_gi_star(values, nb).iter_rows()}
    assert gi["11"][0] > 1.96 and gi["11"][1] < 0.05  # the block's centre is hot
    assert gi["44"][0] < 0  # the far corner is cold-ish
    flat = aggregate.getis_ord_gi_star({c: 3.0 for c in codes}, nb)
    assert (flat["gi_star_z"] == 0).all()


def test_desa_contiguity_from_the_shipped_boundaries() -> None:
    from pathlib import Path

    geo = json.loads((Path(__file__).resolve().parents[4] / "data" / "bengkayang_desa.geojson").read_text())
    nb = aggregate.desa_adjacency(geo["features"])
    assert len(nb) == 124
    assert all(a in nb[b] for a in nb for b in nb[a])  # symmetric
    # every desa touches another, except the islands of Sungai Raya Kepulauan (61.07.15)
    alone = [a for a in nb if not nb[a]]
    assert all(a.startswith("61.07.15.") for a in alone) and len(alone) <= 3


def test_disclosure_control_primary_and_complementary_suppression() -> None:
    from satuanak.flags.disclosure import suppress

    cells = pl.DataFrame(
        {
            "area_code": ["a1", "a2", "a3", "b1", "b2", "c1"],
            "parent": ["A", "A", "A", "B", "B", "C"],
            "numerator": [3, 40, 12, 2, 1, 7],
            "denominator": [30, 200, 8, 20, 15, 50],
        }
    ).with_columns(rate=pl.col("numerator") / pl.col("denominator"))
    out = {r["area_code"]: r for r in suppress(cells).iter_rows(named=True)}
    assert out["a1"]["numerator_shown"] == "<5" and out["a1"]["rate_shown"] is None
    # a lone "<5" in A would be recovered from A's total: the next smallest count goes too
    assert out["a3"]["numerator_shown"] == "*" and out["a3"]["suppressed"]
    assert out["a2"]["numerator_shown"] == "40" and out["a2"]["rate_shown"] == pytest.approx(0.2)
    # B already has two suppressed cells: nothing more to hide
    assert (out["b1"]["numerator_shown"], out["b2"]["numerator_shown"]) == ("<5", "<5")
    assert out["c1"]["numerator_shown"] == "7"
    # no group is left with exactly one suppressed cell
    hidden = suppress(cells).group_by("parent").agg(pl.col("suppressed").sum())
    assert all(n != 1 for n in hidden["suppressed"].to_list())
