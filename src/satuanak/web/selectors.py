"""Reads that combine several reference apps for the web pages.

They live here, not in satuanak.regions, because the import contract (pyproject.toml,
[tool.importlinter]) forbids regions from importing facilities, which is built on it.
Everything here is public reference data or counts: no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from satuanak.accounts.models import User
from satuanak.facilities.models import HealthFacility, Posyandu, School
from satuanak.regions.models import Desa, Kecamatan


@dataclass(frozen=True)
class KecamatanSummary:
    code: str
    name: str
    desa: int
    posyandu: int
    schools: int
    puskesmas: int
    # Names of the kecamatan's puskesmas certified child-friendly (Puskesmas Ramah Anak).
    child_friendly_puskesmas: tuple[str, ...]
    # Where the map puts the kecamatan's name (None if the boundary file had none).
    centroid_lat: float | None
    centroid_lng: float | None


def _count_subquery(qs: QuerySet[Any], field: str) -> Coalesce:
    """A correlated COUNT(*) grouped on `field`: one subquery per column keeps the counts
    independent (joining desa, posyandu and schools in one query would multiply the rows)."""
    counted = (
        qs.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted), 0)


def kecamatan_summaries() -> list[KecamatanSummary]:
    """One row per kecamatan with counts of desa, posyandu, schools and puskesmas."""
    rows = Kecamatan.objects.order_by("code").annotate(
        n_desa=_count_subquery(Desa.objects.all(), "kecamatan"),
        n_posyandu=_count_subquery(Posyandu.objects.all(), "desa__kecamatan"),
        n_schools=_count_subquery(School.objects.all(), "kecamatan"),
        n_puskesmas=_count_subquery(
            HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS), "kecamatan"
        ),
    )
    child_friendly: dict[int, list[str]] = {}
    for kecamatan_id, name in (
        HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS, child_friendly=True)
        .order_by("name")
        .values_list("kecamatan_id", "name")
    ):
        child_friendly.setdefault(kecamatan_id, []).append(name)
    return [
        KecamatanSummary(
            code=k.code,
            name=k.name,
            desa=k.n_desa,
            posyandu=k.n_posyandu,
            schools=k.n_schools,
            puskesmas=k.n_puskesmas,
            child_friendly_puskesmas=tuple(child_friendly.get(k.pk, [])),
            centroid_lat=k.centroid_lat,
            centroid_lng=k.centroid_lng,
        )
        for k in rows
    ]


@dataclass(frozen=True)
class UserBadge:
    """What the page header says about the logged-in user."""

    name: str
    role: str
    agency: str
    area: str


def user_badge(user: User) -> UserBadge:
    """Name, role, agency and area of `user` in words, for the header."""
    area: str
    if user.area_level == User.AreaLevel.KECAMATAN and user.area_kecamatan is not None:
        area = f"Kecamatan {user.area_kecamatan.name}"
    elif user.area_level == User.AreaLevel.DESA:
        facility = user.agency.health_facility if user.agency is not None else None
        n_desa = user.area_desa.count()
        area = f"Wilayah kerja {facility.name} ({n_desa} desa)" if facility else f"{n_desa} desa"
    else:
        area = "Kabupaten Bengkayang"
    return UserBadge(
        name=user.get_full_name() or user.get_username(),
        role=user.get_role_display(),
        agency=user.agency.name if user.agency is not None else "",
        area=area,
    )


def _prap_properties(state: dict[str, Any] | None, labels: dict[str, str]) -> dict[str, object]:
    if not state:
        return {}
    text = labels.get(state["state"], "Belum mulai / not started")
    return {
        "prap": f"{text}, {state['met']}/{state['total']} butir wajib terpenuhi / required items met",
        "prap_proses": state["state"] in ("draft", "submitted", "returned"),
    }


def facility_points() -> dict[str, object]:
    """Facilities for the map as GeoJSON points. The reference data has no coordinates for
    facilities: a puskesmas stands at its kecamatan's centroid, posyandu and schools are counted
    per desa at the desa's centroid (said in each point's `lokasi`)."""
    from satuanak.prap.selectors import prap_states
    from satuanak.prap.states import STATE_LABELS

    features: list[dict[str, object]] = []
    kec = {k.pk: k for k in Kecamatan.objects.all()}
    prap = prap_states()
    for f in HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).order_by("code"):
        k = kec.get(f.kecamatan_id) if f.kecamatan_id else None
        if k is None or k.centroid_lat is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [k.centroid_lng, k.centroid_lat]},
                "properties": {
                    "jenis": "puskesmas",
                    "nama": f.name,
                    "ramah_anak": f.child_friendly,
                    # PRAP: where the puskesmas stands on its way to child-friendly status
                    **_prap_properties(prap.get(f.pk), STATE_LABELS),
                    "lokasi": "perkiraan: pusat kecamatan / approximate: kecamatan centre",
                },
            }
        )
    per_desa = Desa.objects.annotate(
        n_posyandu=Count("posyandu_set", distinct=True), n_sekolah=Count("schools", distinct=True)
    )
    for d in per_desa:
        if d.centroid_lat is None:
            continue
        for kind, n in (("posyandu", d.n_posyandu), ("sekolah", d.n_sekolah)):
            if n:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [d.centroid_lng, d.centroid_lat]},
                        "properties": {
                            "jenis": kind,
                            "jumlah": n,
                            "desa": d.name,
                            "lokasi": "pusat desa / desa centre",
                        },
                    }
                )
    return {"type": "FeatureCollection", "features": features}
