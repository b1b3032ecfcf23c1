"""Fixtures of the Jempol tests: per-desa aggregates written directly (the flags engine's output)."""

from __future__ import annotations

import pytest

from satuanak.flags.models import FlagAggregate

PERIOD = "2024Q4"

# desa code -> (children without akta, without KIA, children assessed). The constructed case:
# Bumi Emas (in the capital) has by far the largest gap; Jagoi (border) and Samalantan have equal
# gaps, Jagoi is farther; Sungkung I (Siding, far) has a small gap; Tirta Kencana none.
CASE: dict[str, tuple[int, int, int]] = {
    "61.07.04.1001": (40, 20, 400),  # Bumi Emas, Kec. Bengkayang
    "61.07.07.2001": (20, 10, 300),  # Jagoi, Kec. Jagoi Babang
    "61.07.02.2001": (20, 10, 350),  # Samalantan, Kec. Samalantan
    "61.07.12.2002": (8, 4, 120),  # Sungkung I, Kec. Siding
    "61.07.04.2003": (0, 0, 200),  # Tirta Kencana, Kec. Bengkayang
}
EXPECTED_ORDER = ["61.07.04.1001", "61.07.07.2001", "61.07.02.2001", "61.07.12.2002"]


def aggregate(code: str, desa_code: str, n: int, d: int, period: str = PERIOD) -> FlagAggregate:
    return FlagAggregate.objects.create(
        code=code,
        period=period,
        level="desa",
        area_code=desa_code,
        numerator=n,
        denominator=d,
        rate=n / d if d else 0.0,
        ci_low=None,
        ci_high=None,
    )


@pytest.fixture
def gaps(reference_data: None) -> dict[str, tuple[int, int, int]]:
    for desa_code, (akta, kia, of) in CASE.items():
        aggregate("no_akta", desa_code, akta, of)
        aggregate("no_kia", desa_code, kia, of)
        # an older quarter with bigger numbers, which must not be read
        aggregate("no_akta", desa_code, akta + 500, of, period="2024Q3")
    # another flag, which is no document gap
    aggregate("stunting", "61.07.04.2003", 90, 200)
    return CASE
