"""The suggestion order of a BAAS's children, table-driven and without the database."""

from __future__ import annotations

import pytest

from satuanak.gesit.assign import Candidate, Place, haversine_km, suggest_assignment

HOME = Place(code="61.07.01.2001", lat=0.565, lng=109.0)
NEAR = Place(code="61.07.01.2004", lat=0.592, lng=109.0)  # ~3 km north
FAR = Place(code="61.07.02.2001", lat=0.823, lng=109.2)  # ~36 km
NOWHERE = Place(code="61.07.09.2001")  # no centroid


def _c(child_id: int, place: Place | None, haz: float | None) -> Candidate:
    return Candidate(child_id=child_id, place=place, haz=haz)


@pytest.mark.parametrize(
    ("candidates", "capacity", "expected"),
    [
        # nearest first, whatever the severity
        ([_c(1, FAR, -3.5), _c(2, NEAR, -2.1), _c(3, HOME, -2.2)], 10, [3, 2, 1]),
        # same desa: equally near, so severe (< -3) before moderate, then lower z
        ([_c(1, HOME, -2.9), _c(2, HOME, -3.2), _c(3, HOME, -2.5), _c(4, HOME, -3.8)], 10, [4, 2, 1, 3]),
        # a child whose desa has no position comes last; an unknown z after the known ones
        ([_c(1, NOWHERE, -4.0), _c(2, None, -4.0), _c(3, NEAR, None), _c(4, NEAR, -2.1)], 10, [4, 3, 1, 2]),
        # capacity cuts the list after ordering
        ([_c(1, FAR, -2.1), _c(2, HOME, -2.1), _c(3, NEAR, -2.1)], 2, [2, 3]),
        # ties broken by child id; a candidate listed twice counts once
        ([_c(9, HOME, -2.5), _c(5, HOME, -2.5), _c(5, HOME, -2.5)], 10, [5, 9]),
        # no capacity left: nothing
        ([_c(1, HOME, -3.5)], 0, []),
        ([_c(1, HOME, -3.5)], -1, []),
        ([], 10, []),
    ],
)
def test_suggestion_order(candidates: list[Candidate], capacity: int, expected: list[int]) -> None:
    got = suggest_assignment(baas_location=HOME, capacity_left=capacity, candidates=candidates)
    assert [c.candidate.child_id for c in got] == expected
    # deterministic: the same answer from the candidates in the reverse order
    again = suggest_assignment(baas_location=HOME, capacity_left=capacity, candidates=candidates[::-1])
    assert [c.candidate.child_id for c in again] == expected


def test_each_choice_says_why() -> None:
    got = suggest_assignment(
        baas_location=HOME,
        capacity_left=3,
        candidates=[_c(1, NEAR, -3.4), _c(2, HOME, -2.3), _c(3, None, -2.5)],
    )
    by_id = {c.candidate.child_id: c for c in got}
    assert by_id[2].distance_km == 0.0 and by_id[2].severity == "moderate"
    assert by_id[1].severe and by_id[1].distance_km == pytest.approx(3.0, abs=0.1)
    assert by_id[1].reason == "3.0 km; stunting berat / severely stunted, TB/U z = -3.40"
    assert by_id[3].distance_km is None and "jarak tidak diketahui / distance unknown" in by_id[3].reason


def test_haversine() -> None:
    # one degree of latitude is about 111.2 km; the same place is 0; an unknown position is None
    assert haversine_km(Place("a", 0.0, 109.0), Place("b", 1.0, 109.0)) == pytest.approx(111.2, abs=0.1)
    assert haversine_km(HOME, Place(HOME.code)) == 0.0
    assert haversine_km(HOME, NOWHERE) is None
    assert haversine_km(HOME, FAR) == pytest.approx(haversine_km(FAR, HOME))


def test_the_suggestion_module_imports_no_django() -> None:
    import ast
    from pathlib import Path

    import satuanak.gesit.assign as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported and not any(name.split(".")[0] in {"django", "satuanak"} for name in imported)
