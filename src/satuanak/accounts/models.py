"""Users, their agency (OPD) and the area they work in.

A user's area is the whole district, one kecamatan, or a set of desa (a puskesmas's service
area). The access app turns role + agency + area into what a user may read; keeping the area
on the user from the first migration means no later data migration has to guess it.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from satuanak.accounts.roles import AgencyKind, Role
from satuanak.facilities.models import HealthFacility, School
from satuanak.regions.models import Desa, Kecamatan


class Agency(models.Model):
    code = models.SlugField("kode", max_length=60, unique=True)
    name = models.CharField("nama", max_length=200)
    kind = models.CharField("jenis", max_length=30, choices=AgencyKind.choices)
    # Set for agencies that are one facility or one school (a puskesmas, a school).
    health_facility = models.ForeignKey(HealthFacility, on_delete=models.PROTECT, null=True, blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "instansi"
        verbose_name_plural = "instansi"

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class AreaLevel(models.TextChoices):
        DISTRICT = "district", "Kabupaten"
        KECAMATAN = "kecamatan", "Kecamatan"
        DESA = "desa", "Desa tertentu"

    role = models.CharField("peran", max_length=40, choices=Role.choices, default=Role.PUBLIC)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users")
    area_level = models.CharField(
        "cakupan wilayah", max_length=10, choices=AreaLevel.choices, default=AreaLevel.DISTRICT
    )
    area_kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    area_desa = models.ManyToManyField(Desa, blank=True, related_name="users")

    class Meta:
        verbose_name = "pengguna"
        verbose_name_plural = "pengguna"
        constraints = [
            models.CheckConstraint(
                name="user_kecamatan_area_has_kecamatan",
                condition=~models.Q(area_level="kecamatan") | models.Q(area_kecamatan__isnull=False),
            )
        ]
