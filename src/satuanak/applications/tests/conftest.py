"""Fixtures of the applications tests: a small generated district imported (SIAK and DAPODIK),
linked and flagged; a school with students lacking documents and its ambassador; attachments
stored in each test's own folder."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from satuanak.accounts.models import Agency, User
from satuanak.accounts.roles import AgencyKind, Role
from satuanak.core.sources import Source
from satuanak.facilities.models import School
from satuanak.flags.models import ChildFlag
from satuanak.flags.services import flags_recompute
from satuanak.imports.tests.helpers import import_exports
from satuanak.linkage.services import linkage_run
from satuanak.persons.models import ChildRecord
from satuanak.synth import generate_district

REFERENCE = date(2024, 12, 31)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("applications-district")
    generate_district(
        out_dir=out, children=600, seed=3, reference_date=REFERENCE, data_dir=Path(settings.SATUANAK_DATA_DIR)
    )
    return out


def _ambassador(username: str, school: School, kecamatan_id: int) -> User:
    agency, _ = Agency.objects.update_or_create(
        code=f"school-{school.npsn}",
        defaults={"name": school.name, "kind": AgencyKind.SCHOOL, "school": school},
    )
    user = User.objects.create_user(
        username=username,
        password="unused-in-tests-123",
        role=Role.SCHOOL_DUTA_ADMINDUK,
        area_level=User.AreaLevel.KECAMATAN,
        area_kecamatan_id=kecamatan_id,
        agency=agency,
    )
    return user


@pytest.fixture
def linked(district: Path, reference_data: None, personas: dict[str, Any]) -> dict[str, Any]:
    """The district imported, linked and flagged; `school` is the school with the most students
    flagged without akta or KIA (living in one kecamatan) and `ambassador` its Duta Adminduk."""
    import_exports(district, [Source.SIAK, Source.DAPODIK])
    linkage_run(as_of=REFERENCE)
    flags_recompute(as_of=REFERENCE)
    flagged = ChildFlag.objects.filter(status="flagged", code__in=("no_akta", "no_kia")).values("child_id")
    demo_school = personas["duta_sekolah"].agency.school
    tally: Counter[tuple[str, int]] = Counter()
    for record in ChildRecord.objects.filter(
        source="dapodik", child_id__in=flagged, summary__status="Aktif"
    ).select_related("child__desa"):
        npsn = record.summary.get("npsn")
        if record.child.desa is not None and npsn != demo_school.npsn:
            tally[(npsn, record.child.desa.kecamatan_id)] += 1
    (npsn, kecamatan_id), n = tally.most_common(1)[0]
    assert n >= 2, tally
    school = School.objects.get(npsn=npsn)
    return {
        "school": school,
        "ambassador": _ambassador("duta_uji", school, kecamatan_id),
        "kecamatan_id": kecamatan_id,
    }
