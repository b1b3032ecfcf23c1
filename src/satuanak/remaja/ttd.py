"""Weekly iron tablets (Tablet Tambah Darah, TTD) for adolescent girls at school. Pure: no Django.

A school reports per class and week: girls enrolled, tablets given (girls reached) and girls
who took the tablet (swallowed it, usually together at school). The records are counts, never
names, so a girl cannot be followed from week to week; the figures are therefore in
girl-weeks over the weeks a school reported in the period:

- coverage  = Σ tablets given  / Σ girls enrolled   (share of girl-weeks in which a girl was reached)
- adherence = Σ girls who took / Σ girls enrolled   (share of girl-weeks in which a tablet was
  taken: a girl's "share of weeks taken", averaged over the girls)

Adherence is never above coverage (a girl takes only a tablet she was given). A week a school
did not report is not counted in either figure (the report page shows the weeks reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class WeekCount:
    enrolled: int
    given: int
    took: int


@dataclass(frozen=True)
class TtdSummary:
    weeks: int
    enrolled: int  # girl-weeks enrolled
    given: int
    took: int

    @property
    def coverage(self) -> float | None:
        return self.given / self.enrolled if self.enrolled else None

    @property
    def adherence(self) -> float | None:
        return self.took / self.enrolled if self.enrolled else None


def summarise(weeks: Iterable[WeekCount]) -> TtdSummary:
    n = enrolled = given = took = 0
    for w in weeks:
        n += 1
        enrolled += w.enrolled
        given += w.given
        took += w.took
    return TtdSummary(n, enrolled, given, took)


def week_problem(enrolled: int, given: int, took: int) -> str:
    """Why a week's counts cannot be right ("" when they can)."""
    if min(enrolled, given, took) < 0:
        return "Angka tidak boleh negatif. / Counts cannot be negative."
    if enrolled == 0:
        return "Jumlah siswi terdaftar harus lebih dari 0. / Girls enrolled must be more than 0."
    if given > enrolled:
        return "Tablet yang dibagikan melebihi siswi terdaftar. / Tablets given exceed the girls enrolled."
    if took > given:
        return "Siswi yang minum melebihi tablet yang dibagikan. / Girls who took exceed tablets given."
    return ""
