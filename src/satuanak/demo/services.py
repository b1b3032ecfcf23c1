"""The demo district's agencies and one login per role.

The demo password is printed by `make demo`; it exists only in a database built by the demo
and is never used by a real deployment (those users are created by the data steward).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from satuanak.accounts.models import Agency, User
from satuanak.accounts.roles import AgencyKind, Role
from satuanak.facilities.models import HealthFacility, School
from satuanak.regions.models import Kecamatan

# A printed demo credential, not a secret: it exists only in a database built by the demo.
DEMO_PASSWORD = "demo-bengkayang-2024"  # noqa: S105  # nosec B105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str
    area: str


# username, role, agency code, area ("district", "kecamatan:<code>" or "puskesmas:<name>")
DEMO_USERS: list[tuple[str, Role, str, str]] = [
    ("steward", Role.DATA_STEWARD, "diskominfo", "district"),
    ("dinkes", Role.HEALTH_OFFICER, "dinkes", "district"),
    ("pkm_sungai_duri", Role.PUSKESMAS_STAFF, "pkm-sungai-duri", "puskesmas:Puskesmas Sungai Duri"),
    ("dukcapil", Role.CIVIL_REGISTRY_OFFICER, "disdukcapil", "district"),
    ("disdikbud", Role.EDUCATION_OFFICER, "disdikbud", "district"),
    ("duta_sekolah", Role.SCHOOL_DUTA_ADMINDUK, "school-first-sd", "kecamatan:61.07.04"),
    ("ppa", Role.PROTECTION_OFFICER, "dinsos-p3a", "district"),
    ("bappeda", Role.PLANNER, "bappeda", "district"),
    ("bidan_rsud", Role.BIRTH_OPERATOR, "rsud-bengkayang", "district"),
    ("kader_sungai_duri", Role.CADRE, "posyandu-sungai-duri", "puskesmas:Puskesmas Sungai Duri"),
    ("publik", Role.PUBLIC, "public", "district"),
]

_AGENCIES: list[tuple[str, str, AgencyKind]] = [
    ("diskominfo", "Diskominfo Kabupaten Bengkayang", AgencyKind.DISKOMINFO),
    ("dinkes", "Dinas Kesehatan dan KB Kabupaten Bengkayang", AgencyKind.DINKES),
    ("disdukcapil", "Disdukcapil Kabupaten Bengkayang", AgencyKind.DISDUKCAPIL),
    ("disdikbud", "Disdikbud Kabupaten Bengkayang", AgencyKind.DISDIKBUD),
    ("dinsos-p3a", "Dinas Sosial P3A / UPTD PPA Kabupaten Bengkayang", AgencyKind.DINSOS_P3A),
    ("bappeda", "Bappeda / Gugus Tugas KLA Kabupaten Bengkayang", AgencyKind.BAPPEDA),
    ("posyandu-sungai-duri", "Kader posyandu wilayah Puskesmas Sungai Duri", AgencyKind.POSYANDU),
    ("public", "Masyarakat / Forum Anak", AgencyKind.PUBLIC),
]


@transaction.atomic
def demo_users_create() -> list[DemoLogin]:
    """Create (or reset) the demo agencies and one user per role. Needs reference data loaded.

    Also loads the example umbrella agreement: without an agreement in force nobody reads
    personal data (ADR 0007)."""
    from satuanak.governance.services import demo_agreements_load

    demo_agreements_load()
    for code, name, kind in _AGENCIES:
        Agency.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})
    for facility in HealthFacility.objects.all():
        kind = (
            AgencyKind.PUSKESMAS
            if facility.kind == HealthFacility.Kind.PUSKESMAS
            else AgencyKind.HEALTH_FACILITY
        )
        code = ("pkm-" if kind == AgencyKind.PUSKESMAS else "") + facility.name.lower().replace(
            "puskesmas ", ""
        ).replace("rs umum daerah ", "rsud-").replace(" ", "-")
        Agency.objects.update_or_create(
            code=code[:60], defaults={"name": facility.name, "kind": kind, "health_facility": facility}
        )
    first_sd = (
        School.objects.filter(level=School.Level.SD, kecamatan__code="61.07.04").order_by("npsn").first()
    )
    if first_sd is not None:
        Agency.objects.update_or_create(
            code="school-first-sd",
            defaults={"name": first_sd.name, "kind": AgencyKind.SCHOOL, "school": first_sd},
        )

    logins: list[DemoLogin] = []
    for username, role, agency_code, area in DEMO_USERS:
        agency = Agency.objects.filter(code=agency_code).first()
        user, _ = User.objects.get_or_create(username=username)
        user.role = role
        user.agency = agency
        user.is_staff = role == Role.DATA_STEWARD
        user.is_superuser = role == Role.DATA_STEWARD
        user.set_password(DEMO_PASSWORD)
        area_label = "Kabupaten Bengkayang"
        user.area_kecamatan = None
        if area.startswith("kecamatan:"):
            kec = Kecamatan.objects.get(code=area.split(":", 1)[1])
            user.area_level = User.AreaLevel.KECAMATAN
            user.area_kecamatan = kec
            area_label = f"Kecamatan {kec.name}"
        elif area.startswith("puskesmas:"):
            facility = HealthFacility.objects.get(name=area.split(":", 1)[1])
            user.area_level = User.AreaLevel.DESA
            area_label = f"Wilayah kerja {facility.name}"
        else:
            user.area_level = User.AreaLevel.DISTRICT
        user.save()
        if area.startswith("puskesmas:"):
            user.area_desa.set(facility.service_area.all())
        else:
            user.area_desa.clear()
        logins.append(
            DemoLogin(
                username=username, role=role.label, agency=agency.name if agency else "-", area=area_label
            )
        )
    return logins
