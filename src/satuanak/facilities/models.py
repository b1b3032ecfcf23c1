"""Health facilities (puskesmas with their service areas, hospitals), posyandu and schools.

Puskesmas and hospitals come from the Kemenkes facility list (data/bengkayang_puskesmas.csv,
see data/PROVENANCE.md). No public posyandu or school list for Bengkayang was found, so those
rows are synthetic and carry `is_synthetic=True` until the district loads its own lists.
"""

from __future__ import annotations

from django.db import models

from satuanak.regions.models import Desa, Kecamatan


class HealthFacility(models.Model):
    class Kind(models.TextChoices):
        PUSKESMAS = "puskesmas", "Puskesmas"
        RUMAH_SAKIT = "rumah_sakit", "Rumah sakit"
        KLINIK = "klinik", "Klinik"
        BIDAN = "bidan", "Praktik mandiri bidan"

    code = models.CharField("kode Kemenkes", max_length=20, unique=True)
    name = models.CharField("nama", max_length=150)
    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, null=True, blank=True, related_name="facilities"
    )
    # The desa a puskesmas is responsible for (its wilayah kerja); empty for hospitals,
    # which serve the whole district.
    service_area = models.ManyToManyField(Desa, blank=True, related_name="health_facilities")
    # Puskesmas Ramah Anak (PRAP) certification; the PRAP app will hold the full history.
    child_friendly = models.BooleanField("Puskesmas Ramah Anak", default=False)
    source_note = models.TextField("sumber", blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "fasilitas kesehatan"
        verbose_name_plural = "fasilitas kesehatan"

    def __str__(self) -> str:
        return self.name


class Posyandu(models.Model):
    code = models.CharField("kode", max_length=30, unique=True)
    name = models.CharField("nama", max_length=150)
    desa = models.ForeignKey(Desa, on_delete=models.PROTECT, related_name="posyandu_set")
    puskesmas = models.ForeignKey(
        HealthFacility, on_delete=models.PROTECT, null=True, blank=True, related_name="posyandu_set"
    )
    is_synthetic = models.BooleanField("data sintetis", default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "posyandu"
        verbose_name_plural = "posyandu"

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Level(models.TextChoices):
        SD = "SD", "SD"
        SMP = "SMP", "SMP"
        SMA = "SMA", "SMA"
        SMK = "SMK", "SMK"

    npsn = models.CharField("NPSN", max_length=10, unique=True)
    name = models.CharField("nama", max_length=150)
    level = models.CharField("jenjang", max_length=5, choices=Level.choices)
    status = models.CharField("status", max_length=10, default="negeri")
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="schools")
    desa = models.ForeignKey(Desa, on_delete=models.PROTECT, null=True, blank=True, related_name="schools")
    is_synthetic = models.BooleanField("data sintetis", default=False)

    class Meta:
        ordering = ["npsn"]
        verbose_name = "sekolah"
        verbose_name_plural = "sekolah"

    def __str__(self) -> str:
        return f"{self.name} ({self.npsn})"
