"""A document issued on the platform enters the registry through the SIAK import path."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from satuanak.adminduk.registry import RegistryEntry, registry_entries_import
from satuanak.core.sources import Source
from satuanak.flags.models import ChildFlag
from satuanak.flags.services import flags_recompute
from satuanak.imports.tests.helpers import import_exports
from satuanak.linkage.services import linkage_run
from satuanak.persons.models import Child
from satuanak.synth import generate_district


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out,
        children=400,
        seed=3,
        reference_date=date(2024, 12, 31),
        data_dir=Path(settings.SATUANAK_DATA_DIR),
    )
    return out


@pytest.mark.django_db
def test_an_issued_birth_certificate_becomes_a_siak_row_and_the_child_has_no_akta_flag(
    district: Path, reference_data: None, personas: dict[str, Any]
) -> None:
    import_exports(district, [Source.SIAK])  # linkage needs a registry to link into
    entry = RegistryEntry(
        nik="6107014506240001",
        kk_number="6107011203200004",
        name="Aurel Putri",
        sex="P",
        birth_place="Bengkayang",
        birth_date=date(2024, 6, 5),
        mother_name="Siti Rahma",
        father_name="Budi Santoso",
        mother_nik="6107015004950002",
        father_nik="6107011203900003",
        desa_code="61.07.01.2001",
        desa_name="Sungai Duri",
        kecamatan_name="Sungai Raya",
        akta_number="6107-LT-05072024-0001",
        has_kia=True,
    )
    batch = registry_entries_import(entries=[entry], user=personas["dukcapil"], label="uji", enqueue=False)
    assert (batch.status, batch.rows_in, batch.accepted, batch.rejected) == ("done", 1, 1, 0)
    linkage_run(as_of=date(2024, 12, 31))
    flags_recompute(as_of=date(2024, 12, 31))
    child = Child.objects.get(nik=entry.nik)
    assert child.in_siak and child.desa is not None and child.desa.code == "61.07.01.2001"
    assert not ChildFlag.objects.filter(
        child=child, code__in=("no_akta", "no_kia"), status="flagged"
    ).exists()
