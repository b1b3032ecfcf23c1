"""The KLA score estimate: pure functions, no Django.

Each indicator earns `achievement * weight` points, where achievement is the value placed on a
straight line from the indicator's zero point (no points) to its target (all its points),
capped to 0..1:

    achievement = clamp((value - zero_point) / (target - zero_point), 0, 1)

This one formula serves both directions: for "higher is better" the zero point sits below the
target (usually 0), for "lower is better" (stunting, child marriage, out-of-school) above it
(e.g. stunting target 14 %, zero point 40 %). A missing value earns nothing. The weights sum to
1000; the official per-indicator weights are not public (DOMAIN.md section 1), so the shipped
ones are placeholders for the task force to correct, and every total is an ESTIMATE.

Categories (DOMAIN.md: 500-600 Pratama, 601-700 Madya, 701-800 Nindya, 801-900 Utama,
901-1000 KLA): the total is rounded to 2 decimals, and a band is reached only at its published
lower edge. So 600.4 is still Pratama and 800.6 still Nindya (the seed's goal is "skor minimal
801"), which keeps the category consistent with `gap_to_utama = max(0, 801 - total)`: a total
in Utama never has a gap, a total below Utama always has one.

`what_if` takes improvements in the indicator's own unit, in the better direction: +5 for an
akta coverage of 79 % means 84 %; +5 for a stunting prevalence of 25 % means 20 %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

UTAMA = 801.0
MAX_TOTAL = 1000.0

SOURCE_PLATFORM = "platform"
SOURCE_ENTERED = "entered"
SOURCE_MISSING = "missing"
SOURCES = (SOURCE_PLATFORM, SOURCE_ENTERED, SOURCE_MISSING)

STATEMENT_ID = (
    "Perkiraan berdasarkan bobot yang dikonfigurasi, bukan skor resmi. Bobot resmi per indikator "
    "tidak dipublikasikan; nilai resmi ditetapkan oleh tim evaluasi KemenPPPA."
)
STATEMENT_EN = (
    "An estimate under the configured weights, not the official score. The official per-indicator "
    "weights are not public; the official score is set by the KemenPPPA evaluation team."
)

# (lower edge, category, category in English), highest first
BANDS: tuple[tuple[float, str, str], ...] = (
    (901.0, "KLA", "KLA (Child-Friendly District)"),
    (801.0, "Utama", "Utama (main)"),
    (701.0, "Nindya", "Nindya (intermediate)"),
    (601.0, "Madya", "Madya (middle)"),
    (500.0, "Pratama", "Pratama (first)"),
)
BELOW = ("Belum KLA", "Not yet KLA (below 500)")


class ScoringError(ValueError):
    """A bad indicator definition or improvement (message in Bahasa Indonesia / English)."""


@dataclass(frozen=True)
class IndicatorInput:
    """One indicator of a version with its value for a period (or none)."""

    code: str
    cluster: str
    title_id: str
    title_en: str
    unit: str
    target: float
    weight: float
    higher_is_better: bool
    verified: bool = True
    zero_point: float = 0.0
    value: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    data_date: date | None = None
    source: str = SOURCE_MISSING
    order: int = 0


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    cluster: str
    title_id: str
    title_en: str
    unit: str
    target: float
    weight: float
    higher_is_better: bool
    value: float | None
    numerator: int | None
    denominator: int | None
    data_date: date | None
    source: str
    verified: bool
    achievement: float
    points: float
    points_per_unit: float
    zero_point: float = 0.0
    order: int = 0

    @property
    def gain_to_target(self) -> float:
        """Points still available: what reaching the target would add."""
        return round(self.weight - self.points, 2)

    @property
    def units_to_target(self) -> float | None:
        """Units of improvement still needed to reach the target (None when missing)."""
        if self.value is None:
            return None
        return round(max(0.0, _better(self, self.target) - _better(self, self.value)), 4)

    @property
    def percent_of_weight(self) -> int:
        return round(100 * self.points / self.weight) if self.weight else 0


@dataclass(frozen=True)
class Scorecard:
    period: str
    version: int
    indicators: tuple[IndicatorScore, ...]
    total: float
    category: str
    category_en: str
    gap_to_utama: float
    statement_id: str = STATEMENT_ID
    statement_en: str = STATEMENT_EN

    def clusters(self) -> list[tuple[str, list[IndicatorScore], float, float]]:
        """(cluster, its indicators, points, weight) in the order the clusters first appear."""
        out: dict[str, list[IndicatorScore]] = {}
        for i in self.indicators:
            out.setdefault(i.cluster, []).append(i)
        return [
            (c, items, round(sum(i.points for i in items), 2), round(sum(i.weight for i in items), 2))
            for c, items in out.items()
        ]

    def by_code(self, code: str) -> IndicatorScore | None:
        return next((i for i in self.indicators if i.code == code), None)


def _better(ind: IndicatorScore | IndicatorInput, value: float) -> float:
    """A value on the "better" axis (sign flipped for lower-is-better)."""
    return value if ind.higher_is_better else -value


def category_of(total: float) -> tuple[str, str]:
    """(category, category in English) of a total; see the module docstring for the edges."""
    t = round(total, 2)
    for edge, name, name_en in BANDS:
        if t >= edge:
            return name, name_en
    return BELOW


def gap_to_utama(total: float) -> float:
    return round(max(0.0, UTAMA - round(total, 2)), 2)


def check_definition(ind: IndicatorInput) -> None:
    if ind.weight < 0:
        raise ScoringError(f"{ind.code}: bobot negatif. / {ind.code}: negative weight.")
    if ind.target == ind.zero_point:
        raise ScoringError(
            f"{ind.code}: target sama dengan titik nol. / {ind.code}: the target equals the zero point."
        )
    if ind.higher_is_better != (ind.target > ind.zero_point):
        raise ScoringError(
            f"{ind.code}: arah tidak sesuai (target dan titik nol). / "
            f"{ind.code}: the direction does not fit the target and zero point."
        )
    if ind.source not in SOURCES:
        raise ScoringError(f"{ind.code}: sumber tidak dikenal. / {ind.code}: unknown source.")


def indicator_score(ind: IndicatorInput) -> IndicatorScore:
    check_definition(ind)
    span = ind.target - ind.zero_point
    achievement = 0.0 if ind.value is None else min(1.0, max(0.0, (ind.value - ind.zero_point) / span))
    per_unit = 0.0 if achievement >= 1.0 else ind.weight / abs(span)
    return IndicatorScore(
        code=ind.code,
        cluster=ind.cluster,
        title_id=ind.title_id,
        title_en=ind.title_en,
        unit=ind.unit,
        target=ind.target,
        weight=ind.weight,
        higher_is_better=ind.higher_is_better,
        value=ind.value,
        numerator=ind.numerator,
        denominator=ind.denominator,
        data_date=ind.data_date,
        source=ind.source if ind.value is not None else SOURCE_MISSING,
        verified=ind.verified,
        achievement=round(achievement, 6),
        points=round(achievement * ind.weight, 4),
        points_per_unit=round(per_unit, 6),
        zero_point=ind.zero_point,
        order=ind.order,
    )


def scorecard_of(indicators: Sequence[IndicatorScore], *, period: str, version: int) -> Scorecard:
    total = round(sum(i.points for i in indicators), 2)
    category, category_en = category_of(total)
    return Scorecard(
        period=period,
        version=version,
        indicators=tuple(indicators),
        total=total,
        category=category,
        category_en=category_en,
        gap_to_utama=gap_to_utama(total),
    )


def score(indicators: Sequence[IndicatorInput], *, period: str = "", version: int = 0) -> Scorecard:
    """Score every indicator and add them up. Codes must be unique."""
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise ScoringError("Kode indikator ganda. / Duplicate indicator codes.")
    return scorecard_of([indicator_score(i) for i in indicators], period=period, version=version)


def _as_input(s: IndicatorScore, value: float | None) -> IndicatorInput:
    return IndicatorInput(
        code=s.code,
        cluster=s.cluster,
        title_id=s.title_id,
        title_en=s.title_en,
        unit=s.unit,
        target=s.target,
        weight=s.weight,
        higher_is_better=s.higher_is_better,
        verified=s.verified,
        zero_point=s.zero_point,
        value=value,
        numerator=None if value != s.value else s.numerator,
        denominator=None if value != s.value else s.denominator,
        data_date=s.data_date,
        source=s.source if value == s.value else "entered",
        order=s.order,
    )


def with_values(scorecard: Scorecard, values: Mapping[str, float | None]) -> Scorecard:
    """The scorecard recomputed with some values replaced (absolute values, in the unit)."""
    unknown = sorted(set(values) - {i.code for i in scorecard.indicators})
    if unknown:
        raise ScoringError(
            f"Indikator tidak dikenal: {', '.join(unknown)}. / Unknown indicators: {', '.join(unknown)}."
        )
    out = []
    for s in scorecard.indicators:
        if s.code in values:
            out.append(indicator_score(_as_input(s, values[s.code])))
        else:
            out.append(s)
    return scorecard_of(out, period=scorecard.period, version=scorecard.version)


def improved_value(s: IndicatorScore, improvement: float) -> float:
    """The value after `improvement` units in the better direction. A missing value starts from
    the zero point (no points). Percentages stay within 0..100 and counts at or above 0."""
    base = s.value if s.value is not None else s.zero_point
    new = base + improvement if s.higher_is_better else base - improvement
    new = min(100.0, max(0.0, new)) if s.unit == "%" or s.unit == "skor" else max(0.0, new)
    return round(new, 6)


def what_if(scorecard: Scorecard, improvements: Mapping[str, float]) -> Scorecard:
    """Recompute with each named indicator improved by that many units (better direction)."""
    for code, amount in improvements.items():
        if amount != amount or amount in (float("inf"), float("-inf")):  # NaN or infinite
            raise ScoringError(f"{code}: bukan angka. / {code}: not a number.")
    by_code = {s.code: s for s in scorecard.indicators}
    unknown = sorted(set(improvements) - set(by_code))
    if unknown:
        raise ScoringError(
            f"Indikator tidak dikenal: {', '.join(unknown)}. / Unknown indicators: {', '.join(unknown)}."
        )
    values = {code: improved_value(by_code[code], amount) for code, amount in improvements.items() if amount}
    changed = with_values(scorecard, values)
    return replace(changed, statement_id=scorecard.statement_id, statement_en=scorecard.statement_en)


def what_moves(scorecard: Scorecard) -> list[IndicatorScore]:
    """Indicators by the points reaching their target would add (most first), then by points
    per unit of improvement, then code."""
    return sorted(scorecard.indicators, key=lambda i: (-i.gain_to_target, -i.points_per_unit, i.code))
