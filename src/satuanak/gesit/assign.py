"""Which stunted children a foster parent (BAAS) should take first: pure, no Django.

The 1-10-100 scheme gives each BAAS up to ten children for 100 days of supplementary food
(PMT). Food has to be carried to the child, so the nearest children come first: the distance
from the BAAS's desa to the child's desa (great-circle distance between the desa centroids;
children of the same desa are equally near, at 0 km). Among equally near children the severely
stunted (height-for-age z < -3) come before the moderately stunted, then the lower z first;
the child id breaks the last ties, so the same input always gives the same answer. Children
whose desa has no known position come last.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SEVERE_HAZ = -3.0  # WHO 2006 / Permenkes 2/2020: HAZ < -3 is severely stunted
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    """A desa (or a kecamatan, for a BAAS placed only there) and its centroid, if known."""

    code: str
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Candidate:
    child_id: int
    place: Place | None  # the child's desa; None when no source places the child
    haz: float | None  # height-for-age z-score of the latest stunting finding


@dataclass(frozen=True)
class Choice:
    candidate: Candidate
    distance_km: float | None  # None when either position is unknown
    severe: bool

    @property
    def severity(self) -> str:
        return "severe" if self.severe else "moderate"

    @property
    def reason(self) -> str:
        """Why this child is on the list, in Bahasa Indonesia / English."""
        where = (
            "jarak tidak diketahui / distance unknown"
            if self.distance_km is None
            else f"{self.distance_km:.1f} km"
        )
        how = "stunting berat / severely stunted" if self.severe else "stunting / stunted"
        z = "" if self.candidate.haz is None else f", TB/U z = {self.candidate.haz:.2f}"
        return f"{where}; {how}{z}"


def haversine_km(a: Place, b: Place) -> float | None:
    """Great-circle distance between two centroids; 0 for the same place, None if one is unknown."""
    if a.code and a.code == b.code:
        return 0.0
    if a.lat is None or a.lng is None or b.lat is None or b.lng is None:
        return None
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lng - a.lng)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def is_severe(haz: float | None) -> bool:
    return haz is not None and haz < SEVERE_HAZ


def suggest_assignment(
    *, baas_location: Place, capacity_left: int, candidates: list[Candidate]
) -> list[Choice]:
    """The children to propose to a BAAS, best first, at most `capacity_left` of them."""
    if capacity_left <= 0:
        return []
    seen: set[int] = set()
    choices: list[Choice] = []
    for c in candidates:
        if c.child_id in seen:
            continue
        seen.add(c.child_id)
        distance = haversine_km(baas_location, c.place) if c.place is not None else None
        choices.append(Choice(candidate=c, distance_km=distance, severe=is_severe(c.haz)))

    def key(ch: Choice) -> tuple[bool, float, int, bool, float, int]:
        return (
            ch.distance_km is None,
            ch.distance_km if ch.distance_km is not None else 0.0,
            0 if ch.severe else 1,
            ch.candidate.haz is None,
            ch.candidate.haz if ch.candidate.haz is not None else 0.0,
            ch.candidate.child_id,
        )

    return sorted(choices, key=key)[:capacity_left]
