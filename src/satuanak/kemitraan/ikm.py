"""The Indeks Kepuasan Masyarakat (IKM) computation, pure Python (no Django).

Formula implemented: PermenPANRB 14/2017 (see data/kemitraan/ikm_v1.json, which also lists
what is still UNVERIFIED against the regulation's Lampiran):

- NRR per element (nilai rata-rata unsur) = sum of that element's answers / its respondents;
- IKM unit = sum of NRR x 1/n over the n elements (the "NRR tertimbang"; with equal weights this
  is the mean of the element means);
- IKM = IKM unit x 25, on the 25-100 scale, rounded half-up to two decimals;
- category A-D from the bands in the question set.

The older Kepmenpan 25/2004 used 14 elements weighted 1/14 and other bands; it is not used.
Arithmetic is exact (Fraction) until the final rounding, so the result a district officer gets
by hand from the same answers is the platform's to the cent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Element:
    code: str
    unsur: str
    question_id: str
    question_en: str


@dataclass(frozen=True)
class Band:
    category: str
    low: Decimal
    high: Decimal
    label_id: str
    label_en: str


@dataclass(frozen=True)
class QuestionSet:
    version: str
    elements: tuple[Element, ...]
    answers: tuple[tuple[int, str, str], ...]  # (value, label id, label en)
    bands: tuple[Band, ...]
    multiplier: int
    min_respondents: int
    uplift_pct: int
    comment_max_chars: int

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.elements)

    @property
    def values(self) -> frozenset[int]:
        return frozenset(v for v, _, _ in self.answers)


def question_set_from_dict(raw: Mapping[str, Any]) -> QuestionSet:
    return QuestionSet(
        version=str(raw["version"]),
        elements=tuple(
            Element(code=e["code"], unsur=e["unsur"], question_id=e["id"], question_en=e["en"])
            for e in raw["elements"]
        ),
        answers=tuple((int(a["value"]), a["id"], a["en"]) for a in raw["answers"]),
        bands=tuple(
            Band(
                category=b["category"],
                low=Decimal(b["min"]),
                high=Decimal(b["max"]),
                label_id=b["id"],
                label_en=b["en"],
            )
            for b in raw["bands"]
        ),
        multiplier=int(raw["formula"]["unit_multiplier"]),
        min_respondents=int(raw["min_respondents"]),
        uplift_pct=int(raw["target"]["uplift_pct"]),
        comment_max_chars=int(raw["comment_max_chars"]),
    )


def question_set_load(path: Path) -> QuestionSet:
    return question_set_from_dict(json.loads(path.read_text(encoding="utf-8")))


class AnswerError(ValueError):
    """An answer sheet that does not fit the question set (message "Indonesia / English")."""


def answers_check(qs: QuestionSet, answers: Mapping[str, Any]) -> dict[str, int]:
    """Every element answered with one of the allowed values, nothing else; the clean dict."""
    clean: dict[str, int] = {}
    for code in qs.codes:
        raw = answers.get(code)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            raise AnswerError(
                f"Pertanyaan {code} belum dijawab (pilih 1-4). / Question {code} not answered (choose 1-4)."
            ) from None
        if value not in qs.values:
            raise AnswerError(f"Jawaban {code} harus 1-4. / Answer to {code} must be between 1 and 4.")
        clean[code] = value
    extra = set(answers) - set(qs.codes)
    if extra:
        raise AnswerError("Ada jawaban yang tidak dikenal. / Unknown answers in the form.")
    return clean


def round2(value: Fraction) -> Decimal:
    """Exact fraction -> Decimal rounded half-up to 2 places (the published precision)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: dict[str, Fraction]  # element code -> mean answer (1-4)
    unit: Fraction  # IKM unit (1-4): sum of NRR x 1/n
    score: Decimal  # IKM x 25, rounded to 2 places
    category: str
    enough: bool  # respondents >= the question set's minimum


def ikm_compute(qs: QuestionSet, sheets: Sequence[Mapping[str, int]]) -> IkmResult | None:
    """The IKM of a set of answer sheets (one per respondent); None with no respondent."""
    if not sheets:
        return None
    n = len(qs.elements)
    nrr = {code: Fraction(sum(int(s[code]) for s in sheets), len(sheets)) for code in qs.codes}
    unit = sum((v * Fraction(1, n) for v in nrr.values()), Fraction(0))
    score = round2(unit * qs.multiplier)
    return IkmResult(
        respondents=len(sheets),
        nrr=nrr,
        unit=unit,
        score=score,
        category=category_of(qs, score),
        enough=len(sheets) >= qs.min_respondents,
    )


def category_of(qs: QuestionSet, score: Decimal) -> str:
    for band in qs.bands:
        if band.low <= score <= band.high:
            return band.category
    return ""


def band_of(qs: QuestionSet, category: str) -> Band | None:
    return next((b for b in qs.bands if b.category == category), None)


def ikm_target(*, baseline: Decimal, uplift_pct: int, ceiling: Decimal = Decimal("100.00")) -> Decimal:
    """The roadmap target: the baseline plus `uplift_pct` percent of it, never above 100."""
    target = (baseline * (Decimal(100 + uplift_pct) / Decimal(100))).quantize(TWO_PLACES, ROUND_HALF_UP)
    return min(target, ceiling)


def rupiah_parse(raw: str) -> int:
    """'1.500.000' or '1500000' -> 1500000; ValueError for negatives, decimals, text or empty."""
    text = raw.strip().replace(".", "").replace(" ", "").removeprefix("Rp").removeprefix("rp")
    if not text or not text.isdigit() or not text.isascii():
        raise ValueError(raw)
    value = int(text)
    if value > 10**15:  # more than the whole national budget: a typo, not a figure
        raise ValueError(raw)
    return value


def cost_per_child(amount: int, children: int | None) -> int | None:
    """Rupiah per child, rounded to the rupiah; None when there is no child to divide by."""
    if not children:
        return None
    return int((Decimal(amount) / Decimal(children)).quantize(Decimal(1), ROUND_HALF_UP))


def share(done: int, of: int) -> Fraction | None:
    return Fraction(done, of) if of else None


def sheets_of(rows: Iterable[Mapping[str, Any]], codes: Sequence[str]) -> list[dict[str, int]]:
    """Stored answer dicts -> sheets with every code (rows missing one are skipped, not guessed)."""
    return [{c: int(r[c]) for c in codes} for r in rows if all(c in r for c in codes)]
