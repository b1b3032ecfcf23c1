"""Measurement quality and weighing coverage (issue: why weighing says 20.7% and the survey 30.1%).

Derived tables, replaced whole by each `mutu_recompute()` run (services.py), like the flags'
aggregates: quality checks per group and quarter, coverage cells, the three stunting rates per
area. Only `CadreTraining` is entered by people. No child's personal data is stored here: counts,
rates and the names of posyandu and cadres (staff, in their role).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from satuanak.facilities.models import Posyandu


class QualityRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "berjalan / running"
        DONE = "done", "selesai / done"
        FAILED = "failed", "gagal / failed"

    as_of = models.DateField("tanggal acuan")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    stats = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"mutu #{self.pk} {self.as_of} {self.status}"


class QualityResult(models.Model):
    """One check of one group (posyandu, puskesmas, cadre, kecamatan, district) in one quarter."""

    class Level(models.TextChoices):
        POSYANDU = "posyandu", "Posyandu"
        PUSKESMAS = "puskesmas", "Puskesmas"
        CADRE = "cadre", "Kader / cadre"
        KECAMATAN = "kecamatan", "Kecamatan"
        DISTRICT = "district", "Kabupaten / district"

    period = models.CharField(max_length=7)
    level = models.CharField(max_length=10, choices=Level.choices)
    key = models.CharField(max_length=200)  # posyandu code (or "?nama" when not in the list), ...
    name = models.CharField(max_length=200)
    kecamatan = models.CharField(max_length=20, blank=True)
    desa = models.CharField(max_length=20, blank=True)
    puskesmas = models.CharField(max_length=150, blank=True)
    check_code = models.CharField(max_length=20)
    n = models.PositiveIntegerField()
    value = models.FloatField(null=True)
    status = models.CharField(max_length=5)  # ok | warn | fail | few
    threshold = models.CharField(max_length=80)
    reading_id = models.CharField(max_length=300, blank=True)
    reading_en = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["period", "level", "key", "check_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "level", "key", "check_code"], name="qualityresult_one_per_check"
            )
        ]
        indexes = [models.Index(fields=["level", "period"], name="qualityresult_level_period")]

    def __str__(self) -> str:
        return f"{self.level} {self.key} {self.period} {self.check_code}: {self.status}"


class CoverageCell(models.Model):
    """Known under-fives, those weighed in the quarter and those never weighed, per dimension
    (desa, kecamatan, district, age band, remoteness band) and key."""

    period = models.CharField(max_length=7)
    dimension = models.CharField(max_length=12)
    key = models.CharField(max_length=40)
    known = models.PositiveIntegerField()
    weighed = models.PositiveIntegerField()
    never_weighed = models.PositiveIntegerField()

    class Meta:
        ordering = ["period", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(fields=["period", "dimension", "key"], name="coveragecell_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key} {self.period}: {self.weighed}/{self.known}"

    @property
    def coverage(self) -> float | None:
        return self.weighed / self.known if self.known else None


class PrevalenceEstimate(models.Model):
    """The stunting rate of a kecamatan or the district in a quarter three ways (coverage.py)."""

    period = models.CharField(max_length=7)
    level = models.CharField(max_length=10)  # kecamatan | district
    area_code = models.CharField(max_length=20)
    known = models.PositiveIntegerField()
    assessed = models.PositiveIntegerField()
    stunted = models.PositiveIntegerField()
    rate_weighed = models.FloatField(null=True)
    weighed_ci_low = models.FloatField(null=True)
    weighed_ci_high = models.FloatField(null=True)
    assessed_known = models.PositiveIntegerField()
    rate_adjusted = models.FloatField(null=True)
    adjusted_ci_low = models.FloatField(null=True)
    adjusted_ci_high = models.FloatField(null=True)
    rate_adjusted_high = models.FloatField(null=True)
    rate_quality = models.FloatField(null=True)
    quality_ci_low = models.FloatField(null=True)
    quality_ci_high = models.FloatField(null=True)
    children_set_aside = models.PositiveIntegerField(default=0)
    posyandu_set_aside = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["period", "level", "area_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "level", "area_code"], name="prevalenceestimate_one_per_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.area_code} {self.period}"


class CadreTraining(models.Model):
    """A refresher training of a posyandu's cadres (Peningkatan Kapasitas Kader)."""

    posyandu = models.ForeignKey(Posyandu, on_delete=models.PROTECT, related_name="trainings")
    held_on = models.DateField("tanggal pelatihan")
    topic = models.CharField("materi", max_length=200)
    participants = models.PositiveSmallIntegerField("jumlah kader hadir")
    trainer = models.CharField("pelatih", max_length=150, blank=True)
    note = models.TextField("catatan", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = "pelatihan kader"
        verbose_name_plural = "pelatihan kader"

    def __str__(self) -> str:
        return f"pelatihan {self.posyandu_id} {self.held_on}"
