"""When a puskesmas meets the PKPR standard. Pure: no Django.

The standard (data/remaja/pkpr_standard_v1.json) lists items; some are required. An assessment
answers each item met / not met. The rule, stated once here and in the data file: a puskesmas
meets the standard when every required item of its latest assessment is met. Optional items
show what to improve but never decide. An assessment missing a required item (the standard
grew after it was made) does not meet it: an unanswered item is not a met item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemAnswer:
    code: str
    required: bool
    met: bool


def meets_standard(required_codes: Iterable[str], answers: Iterable[ItemAnswer]) -> bool:
    """Every required code of the standard has an answer that is met."""
    met = {a.code for a in answers if a.met}
    required = set(required_codes)
    return bool(required) and required <= met


def missing_required(required_codes: Iterable[str], answers: Iterable[ItemAnswer]) -> list[str]:
    """The required codes not met (sorted), to show what stands between a puskesmas and the standard."""
    met = {a.code for a in answers if a.met}
    return sorted(set(required_codes) - met)
