from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from satuanak.facilities.models import HealthFacility, Posyandu, School
from satuanak.facilities.services import facilities_load_from_files
from satuanak.regions.models import Desa, Kecamatan


@pytest.mark.django_db
def test_one_puskesmas_per_kecamatan_and_service_areas_cover_every_desa_once() -> None:
    puskesmas = HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS)
    assert puskesmas.count() == 17
    assert set(puskesmas.values_list("kecamatan__code", flat=True)) == set(
        Kecamatan.objects.values_list("code", flat=True)
    )
    served = Counter(code for p in puskesmas for code in p.service_area.values_list("code", flat=True))
    assert set(served) == set(Desa.objects.values_list("code", flat=True))
    assert max(served.values()) == 1


@pytest.mark.django_db
def test_name_trap_sungai_duri_serves_kecamatan_sungai_raya() -> None:
    # DOMAIN.md: Puskesmas Sungai Duri is in kec. Sungai Raya (61.07.01);
    # Puskesmas Sungai Raya is in kec. Sungai Raya Kepulauan (61.07.15).
    for name, kecamatan_code in [
        ("Puskesmas Sungai Duri", "61.07.01"),
        ("Puskesmas Sungai Raya", "61.07.15"),
    ]:
        kec = HealthFacility.objects.get(name=name).kecamatan
        assert kec is not None and kec.code == kecamatan_code


@pytest.mark.django_db
def test_only_sungai_duri_and_samalantan_are_child_friendly() -> None:
    assert set(HealthFacility.objects.filter(child_friendly=True).values_list("name", flat=True)) == {
        "Puskesmas Sungai Duri",
        "Puskesmas Samalantan",
    }


@pytest.mark.django_db
def test_hospitals_loaded() -> None:
    names = set(
        HealthFacility.objects.filter(kind=HealthFacility.Kind.RUMAH_SAKIT).values_list("name", flat=True)
    )
    assert "RS Umum Daerah Bengkayang" in names


@pytest.mark.django_db
def test_every_desa_has_a_posyandu_under_its_own_puskesmas() -> None:
    assert not Desa.objects.filter(posyandu_set__isnull=True).exists()
    for pos in Posyandu.objects.select_related("desa", "puskesmas"):
        assert pos.is_synthetic
        assert pos.puskesmas is not None
        assert pos.puskesmas.kecamatan_id == pos.desa.kecamatan_id


@pytest.mark.django_db
def test_schools_every_level_in_every_kecamatan_and_marked_synthetic() -> None:
    for kec in Kecamatan.objects.all():
        levels = set(School.objects.filter(kecamatan=kec).values_list("level", flat=True))
        assert {"SD", "SMP", "SMA"} <= levels, kec.code
    assert not School.objects.filter(is_synthetic=False).exists()
    for school in School.objects.exclude(desa=None).select_related("desa"):
        assert school.desa is not None and school.desa.kecamatan_id == school.kecamatan_id


@pytest.mark.django_db
def test_reloading_is_idempotent(data_dir: Path) -> None:
    before = (HealthFacility.objects.count(), Posyandu.objects.count(), School.objects.count())
    facilities_load_from_files(data_dir=data_dir)
    assert (HealthFacility.objects.count(), Posyandu.objects.count(), School.objects.count()) == before
