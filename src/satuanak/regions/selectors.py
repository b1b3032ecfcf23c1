"""Reads of region tables. Regions are public reference data: no scoping needed."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from satuanak.common.json_body import JsonBody, json_body
from satuanak.regions.models import Desa, Kecamatan

# Decimal places kept in map coordinates: 5 places is about 1.1 m at the equator, far below what
# a district map shows, and halves the GeoJSON a slow link has to download.
MAP_COORDINATE_PRECISION = 5


def kecamatan_list() -> QuerySet[Kecamatan]:
    return Kecamatan.objects.order_by("code")


def kecamatan_code_exists(code: str) -> bool:
    """Whether `code` names one of the district's kecamatan (used to validate query parameters)."""
    return Kecamatan.objects.filter(code=code).exists()


def desa_list(*, kecamatan_code: str | None = None) -> QuerySet[Desa]:
    qs = Desa.objects.select_related("kecamatan").order_by("code")
    if kecamatan_code:
        qs = qs.filter(kecamatan__code=kecamatan_code)
    return qs


def _round_coordinates(value: Any, places: int) -> Any:
    """Round every number in a GeoJSON `coordinates` array (nested lists of any depth)."""
    if isinstance(value, list):
        return [_round_coordinates(v, places) for v in value]
    if isinstance(value, float):
        return round(value, places)
    return value


def _rounded_geometry(geometry: dict[str, Any], places: int | None) -> dict[str, Any]:
    if places is None or "coordinates" not in geometry:
        return geometry
    return {**geometry, "coordinates": _round_coordinates(geometry["coordinates"], places)}


def desa_feature_collection(
    *, kecamatan_code: str | None = None, precision: int | None = MAP_COORDINATE_PRECISION
) -> dict[str, Any]:
    """The desa boundaries as one GeoJSON FeatureCollection for the map.

    `precision` rounds coordinates to that many decimal places (None keeps them as stored).
    """
    features = [
        {
            "type": "Feature",
            "geometry": _rounded_geometry(d.geometry, precision),
            "properties": {
                "kode": d.code,
                "nama": d.name,
                "jenis": d.kind,
                "kecamatan_kode": d.kecamatan.code,
                "kecamatan": d.kecamatan.name,
                # Where a label for the desa goes; [lat, lng] as Leaflet takes it, or null.
                "pusat": [d.centroid_lat, d.centroid_lng] if d.centroid_lat is not None else None,
            },
        }
        for d in desa_list(kecamatan_code=kecamatan_code)
        if d.geometry
    ]
    return {"type": "FeatureCollection", "features": features}


def desa_geojson_body(*, kecamatan_code: str | None = None) -> JsonBody:
    """desa_feature_collection as the HTTP body, built once and kept in the cache for five minutes.
    Boundaries change only when the reference data is loaded again: desa added or removed show at
    once (the key holds the table's count and highest id), a geometry corrected in place within
    the five minutes (the cache is per process, so no one process could clear it for all)."""
    from django.core.cache import cache
    from django.db.models import Count, Max

    version = Desa.objects.aggregate(n=Count("id"), last=Max("id"))
    key = f"desa-geojson:{version['n']}:{version['last']}:{kecamatan_code or ''}"
    cached = cache.get(key)
    if cached is not None:
        return JsonBody(*cached)
    body = json_body(desa_feature_collection(kecamatan_code=kecamatan_code))
    cache.set(key, tuple(body), timeout=300)
    return body
