"""The pure IKM computation (PermenPANRB 14/2017), checked against a quarter computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from satuanak.core.periods import quarter_bounds
from satuanak.kemitraan import ikm

QS = ikm.question_set_load(Path(__file__).resolve().parents[4] / "data" / "kemitraan" / "ikm_v1.json")
CODES = QS.codes

# Three respondents. By hand: element sums 10, 9, 11, 11, 10, 10, 11, 10, 9 (= 91) over 3
# respondents; NRR per element = sum / 3; IKM unit = (91/3) / 9 = 91/27 = 3.370370...;
# IKM = 91/27 x 25 = 2275/27 = 84.259259... -> 84.26, band B (76.61-88.30), "baik".
HAND_SHEETS = [
    dict(zip(CODES, [4, 4, 4, 4, 4, 4, 4, 4, 4], strict=True)),
    dict(zip(CODES, [3, 3, 3, 3, 3, 3, 3, 3, 3], strict=True)),
    dict(zip(CODES, [3, 2, 4, 4, 3, 3, 4, 3, 2], strict=True)),
]
HAND_SCORE = Decimal("84.26")


def test_question_set_has_the_nine_elements_and_four_bands() -> None:
    assert len(QS.elements) == 9
    assert QS.values == {1, 2, 3, 4}
    assert [b.category for b in QS.bands] == ["A", "B", "C", "D"]
    assert QS.multiplier == 25


def test_a_quarter_computed_by_hand_and_by_the_module_agree() -> None:
    result = ikm.ikm_compute(QS, HAND_SHEETS)
    assert result is not None
    assert result.nrr["U1"] == Fraction(10, 3)
    assert result.nrr["U9"] == Fraction(3)
    assert result.unit == Fraction(91, 27)
    assert result.score == HAND_SCORE
    assert result.category == "B"
    assert result.respondents == 3
    assert result.enough is False  # 3 < 30


def test_all_fours_is_100_and_all_ones_is_25() -> None:
    assert ikm.ikm_compute(QS, [dict.fromkeys(CODES, 4)]).score == Decimal("100.00")  # type: ignore[union-attr]
    assert ikm.ikm_compute(QS, [dict.fromkeys(CODES, 1)]).score == Decimal("25.00")  # type: ignore[union-attr]
    assert ikm.ikm_compute(QS, []) is None


@pytest.mark.parametrize(
    ("score", "category"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_band_edges(score: str, category: str) -> None:
    assert ikm.category_of(QS, Decimal(score)) == category


def test_target_is_fifteen_percent_over_the_baseline_capped_at_100() -> None:
    assert QS.uplift_pct == 15
    assert ikm.ikm_target(baseline=Decimal("80.00"), uplift_pct=15) == Decimal("92.00")
    assert ikm.ikm_target(baseline=Decimal("84.26"), uplift_pct=15) == Decimal("96.90")  # 96.899 -> 96.90
    assert ikm.ikm_target(baseline=Decimal("90.00"), uplift_pct=15) == Decimal("100.00")


@pytest.mark.parametrize("bad", [{}, {"U1": "5"}, {"U1": "0"}, {"U1": "abc"}, {"U1": "-1"}, {"U1": "2.5"}])
def test_answers_outside_1_to_4_or_missing_are_refused(bad: dict[str, str]) -> None:
    answers: dict[str, object] = dict.fromkeys(CODES, "3")
    if not bad:
        answers.pop("U5")
    answers.update(bad)
    with pytest.raises(ikm.AnswerError):
        ikm.answers_check(QS, answers)


def test_unknown_answer_keys_are_refused() -> None:
    with pytest.raises(ikm.AnswerError):
        ikm.answers_check(QS, {**dict.fromkeys(CODES, 3), "U10": 4})


@pytest.mark.parametrize(
    ("raw", "value"), [("1500000", 1_500_000), ("1.500.000", 1_500_000), ("Rp 2.000", 2000), ("0", 0)]
)
def test_rupiah_parse(raw: str, value: int) -> None:
    assert ikm.rupiah_parse(raw) == value


@pytest.mark.parametrize("raw", ["", "-5", "abc", "1,5", "1.5e3", "<script>", "١٢٣", str(10**16)])
def test_rupiah_parse_refuses(raw: str) -> None:
    with pytest.raises(ValueError):
        ikm.rupiah_parse(raw)


def test_cost_per_child() -> None:
    assert ikm.cost_per_child(1_000_000, 4) == 250_000
    assert ikm.cost_per_child(1_000_000, 3) == 333_333
    assert ikm.cost_per_child(1_000_000, 0) is None
    assert ikm.cost_per_child(1_000_000, None) is None


def test_quarter_bounds() -> None:
    # the IKM quarters are the platform's (satuanak.core.periods)
    assert quarter_bounds("2024Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_bounds("2024q2") == (date(2024, 4, 1), date(2024, 6, 30))
    with pytest.raises(ValueError):
        quarter_bounds("2024Q5")
