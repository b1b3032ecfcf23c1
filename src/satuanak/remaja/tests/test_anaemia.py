"""Anaemia cut-offs and follow-ups (pure): table-driven against WHO 2011 Table 1."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from satuanak.remaja import anaemia as an

DATA = Path(__file__).resolve().parents[4] / "data" / "remaja" / "anaemia_thresholds_v1.json"


@pytest.fixture(scope="module")
def thresholds() -> an.Thresholds:
    return an.thresholds_from_dict(json.loads(DATA.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("age", "hb", "severity"),
    [
        # 5-11 years: anaemic < 11.5; mild 11.0-11.4; moderate 8.0-10.9; severe < 8.0
        (10, "11.5", an.NONE),
        (10, "11.4", an.MILD),
        (11, "11.0", an.MILD),
        (11, "10.9", an.MODERATE),
        (11, "8.0", an.MODERATE),
        (11, "7.9", an.SEVERE),
        # 12-14 years: anaemic < 12.0; mild 11.0-11.9
        (12, "12.0", an.NONE),
        (12, "11.9", an.MILD),
        (14, "11.5", an.MILD),  # not anaemic at 11, anaemic at 12: the band matters
        (14, "10.9", an.MODERATE),
        (14, "7.9", an.SEVERE),
        # non-pregnant 15+: anaemic < 12.0
        (15, "12.0", an.NONE),
        (17, "11.9", an.MILD),
        (19, "11.0", an.MILD),
        (19, "8.0", an.MODERATE),
        (19, "5.2", an.SEVERE),
    ],
)
def test_who_cut_offs(thresholds: an.Thresholds, age: int, hb: str, severity: str) -> None:
    found = an.classify(Decimal(hb), age, thresholds)
    assert found.severity == severity
    assert found.anaemic == (severity != an.NONE)


def test_same_hb_differs_by_age(thresholds: an.Thresholds) -> None:
    assert not an.classify(Decimal("11.6"), 11, thresholds).anaemic
    assert an.classify(Decimal("11.6"), 12, thresholds).anaemic


@pytest.mark.parametrize("hb", ["2.9", "20.1", "0"])
def test_implausible_hb_is_refused(thresholds: an.Thresholds, hb: str) -> None:
    with pytest.raises(an.ThresholdError):
        an.classify(Decimal(hb), 14, thresholds)


def test_no_band_for_a_child_under_five(thresholds: an.Thresholds) -> None:
    with pytest.raises(an.ThresholdError):
        an.classify(Decimal("12"), 4, thresholds)


def test_bands_must_be_contiguous_and_ordered() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    data["bands"][1]["min_age"] = 13
    with pytest.raises(an.ThresholdError):
        an.thresholds_from_dict(data)
    data = json.loads(DATA.read_text(encoding="utf-8"))
    data["bands"][0]["severe_below"] = 11.6
    with pytest.raises(an.ThresholdError):
        an.thresholds_from_dict(data)


def test_follow_up_weeks_come_from_the_data(thresholds: an.Thresholds) -> None:
    assert thresholds.follow_up_weeks == 12


@pytest.mark.parametrize(
    ("birth", "on", "years"),
    [
        (date(2010, 6, 15), date(2024, 6, 14), 13),
        (date(2010, 6, 15), date(2024, 6, 15), 14),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
    ],
)
def test_age_in_completed_years(birth: date, on: date, years: int) -> None:
    assert an.age_in_years(birth, on) == years


def test_follow_up_statuses() -> None:
    s1 = an.ScreeningFact(1, date(2024, 1, 10), anaemic=True)
    # no later screening: due until the due date (12 weeks), overdue after
    [f] = an.follow_ups([s1], today=date(2024, 4, 3), weeks=12)
    assert (f.due_on, f.status) == (date(2024, 4, 3), an.DUE)
    [f] = an.follow_ups([s1], today=date(2024, 4, 4), weeks=12)
    assert f.status == an.OVERDUE and f.is_open
    # a later screening that is anaemic again: still anaemic, and a new follow-up opens
    s2 = an.ScreeningFact(2, date(2024, 4, 5), anaemic=True)
    first, second = an.follow_ups([s2, s1], today=date(2024, 4, 6), weeks=12)
    assert (first.status, first.closed_by) == (an.STILL_ANAEMIC, 2)
    assert (second.screening_id, second.status) == (2, an.DUE)
    # then not anaemic: resolved, nothing open
    s3 = an.ScreeningFact(3, date(2024, 7, 1), anaemic=False)
    found = an.follow_ups([s1, s2, s3], today=date(2024, 12, 1), weeks=12)
    assert [f.status for f in found] == [an.STILL_ANAEMIC, an.RESOLVED]
    assert not any(f.is_open for f in found)


def test_no_follow_up_for_a_girl_who_is_not_anaemic() -> None:
    assert (
        an.follow_ups(
            [an.ScreeningFact(1, date(2024, 1, 1), anaemic=False)], today=date(2024, 6, 1), weeks=12
        )
        == []
    )
