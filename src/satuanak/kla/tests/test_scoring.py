"""The pure scoring module: achievement, categories at their edges, what-if, what moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from satuanak.kla import scoring
from satuanak.kla.scoring import IndicatorInput, category_of, gap_to_utama, score, what_if, what_moves


def _ind(code: str, value: float | None, *, target: float = 100, weight: float = 100, zero: float = 0,
         higher: bool = True, unit: str = "%") -> IndicatorInput:  # fmt: skip
    return IndicatorInput(
        code=code, cluster="Klaster I", title_id=code, title_en=code, unit=unit, target=target, weight=weight,
        higher_is_better=higher, zero_point=zero, value=value,
        source="entered" if value is not None else "missing",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (499.99, "Belum KLA"), (500, "Pratama"), (600, "Pratama"), (600.4, "Pratama"), (600.999, "Madya"),
        (601, "Madya"), (700, "Madya"), (701, "Nindya"), (800, "Nindya"), (800.6, "Nindya"),
        (800.994, "Nindya"), (800.995, "Utama"), (801, "Utama"), (900, "Utama"), (901, "KLA"), (1000, "KLA"),
        (674.04, "Madya"),
    ],
)  # fmt: skip
def test_category_edges(total: float, category: str) -> None:
    assert category_of(total)[0] == category


def test_gap_to_utama_agrees_with_the_category() -> None:
    assert gap_to_utama(674.04) == pytest.approx(126.96)
    assert gap_to_utama(800.6) == pytest.approx(0.4) and category_of(800.6)[0] == "Nindya"
    assert gap_to_utama(801) == 0 and gap_to_utama(950) == 0


def test_achievement_both_directions_and_missing() -> None:
    card = score(
        [
            _ind("akta", 79.24, weight=70),
            _ind("stunting", 27, target=14, zero=40, higher=False, weight=60),
            _ind("gone", None, weight=50),
            _ind("over", 120, weight=20, unit="jumlah", target=1),
        ]
    )
    akta, stunting, gone, over = card.indicators
    assert akta.points == pytest.approx(0.7924 * 70, abs=1e-3)
    assert akta.points_per_unit == pytest.approx(0.7)
    assert stunting.achievement == pytest.approx(13 / 26, abs=1e-6)  # (40-27)/(40-14)
    assert stunting.points_per_unit == pytest.approx(60 / 26, abs=1e-5)
    assert gone.points == 0 and gone.source == "missing" and gone.points_per_unit == pytest.approx(0.5)
    assert over.achievement == 1 and over.points_per_unit == 0
    assert card.total == pytest.approx(round(akta.points + stunting.points + 20, 2))


def test_what_if_equals_recomputation_with_the_values_changed() -> None:
    inputs = [
        _ind("akta", 79.24, weight=300),
        _ind("stunting", 27, target=14, zero=40, higher=False, weight=400),
        _ind("asi", None, target=50, weight=300),
    ]
    card = score(inputs, period="2024Q4", version=1)
    after = what_if(card, {"akta": 10, "stunting": 5, "asi": 30})
    changed = [
        _ind("akta", 89.24, weight=300),
        _ind("stunting", 22, target=14, zero=40, higher=False, weight=400),
        _ind("asi", 30, target=50, weight=300),
    ]
    expected = score(changed, period="2024Q4", version=1)
    assert after.total == expected.total
    assert after.category == expected.category and after.total > card.total
    # gain per unit: akta +10 units at 3 points each
    assert after.by_code("akta").points - card.by_code("akta").points == pytest.approx(30, abs=1e-3)  # type: ignore[union-attr]
    assert after.statement_en == scoring.STATEMENT_EN
    # capped at the target and at 100 %
    capped = what_if(card, {"akta": 500})
    assert capped.by_code("akta").value == 100 and capped.by_code("akta").points == 300  # type: ignore[union-attr]


def test_what_if_refuses_unknown_codes_and_nan() -> None:
    card = score([_ind("a", 50)])
    with pytest.raises(scoring.ScoringError):
        what_if(card, {"zz": 1})
    with pytest.raises(scoring.ScoringError):
        what_if(card, {"a": float("nan")})


def test_what_moves_sorts_by_gain_at_target() -> None:
    card = score([_ind("a", 90, weight=100), _ind("b", 10, weight=50), _ind("c", None, weight=30)])
    assert [i.code for i in what_moves(card)] == ["b", "c", "a"]  # gains 45, 30, 10


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(scoring.ScoringError):
        score([_ind("a", 1, target=10, zero=10)])
    with pytest.raises(scoring.ScoringError):
        score([_ind("a", 1, target=10, zero=20, higher=True)])
    with pytest.raises(scoring.ScoringError):
        score([_ind("a", 1), _ind("a", 2)])


def test_shipped_set_has_24_indicators_weights_1000_and_unverified_marked() -> None:
    data = json.loads((Path(settings.SATUANAK_DATA_DIR) / "kla" / "indicators_v1.json").read_text())
    inds = data["indicators"]
    assert len(inds) == 24 and len({i["code"] for i in inds}) == 24
    assert sum(i["weight"] for i in inds) == 1000
    assert {i["code"] for i in inds if i["verified"]} == {"K-01", "K-02", "K-03", "I-04", "I-05", "I-06"}
    assert "NOT public" in data["_weights"]
    clusters = {i["cluster"] for i in inds}
    assert clusters == {"Kelembagaan", "Klaster I", "Klaster II", "Klaster III", "Klaster IV", "Klaster V"}
    for i in inds:  # every definition passes the scoring checks
        scoring.check_definition(_ind(i["code"], None, target=i["target"], zero=i["zero_point"],
                                      higher=i["higher_is_better"]))  # fmt: skip
