"""Risk flags per child (dated, explained, with history), their aggregates per area and quarter,
the survey figures they are read beside, and the desa hotspots.

Everything but the rules and survey figures is derived: `satuanak flags recompute` rebuilds it
from the linked records (a rerun of the stage, ARCHITECTURE.md).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class FlagRule(models.Model):
    """A rule as data: code, version, the date it applies from, its thresholds."""

    code = models.CharField("kode", max_length=40)
    version = models.PositiveIntegerField("versi", default=1)
    valid_from = models.DateField("berlaku sejak")
    title_id = models.CharField("nama", max_length=200)
    title_en = models.CharField("name (English)", max_length=200)
    params = models.JSONField("ambang dan parameter", default=dict, blank=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="flagrule_one_per_version")]
        verbose_name = "aturan penanda"
        verbose_name_plural = "aturan penanda"

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class FlagRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Berjalan"
        DONE = "done", "Selesai"
        FAILED = "failed", "Gagal"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField("tanggal acuan")
    stats = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"hitung penanda #{self.pk}"


class ChildFlag(models.Model):
    """What a rule found for a child in a period (a quarter), and why. Growth rules keep a row
    per quarter with a weighing (flagged or clear: the history); other rules keep flagged and
    not-assessable rows at the run's date."""

    class Status(models.TextChoices):
        FLAGGED = "flagged", "Ditandai"
        CLEAR = "clear", "Tidak"
        NOT_ASSESSABLE = "not_assessable", "Tidak dapat dinilai"

    child = models.ForeignKey("persons.Child", on_delete=models.CASCADE, related_name="flags")
    code = models.CharField("kode aturan", max_length=40)
    rule_version = models.PositiveIntegerField("versi aturan")
    period = models.CharField("periode", max_length=7)  # 2024Q3
    observed_on = models.DateField("tanggal bukti", null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    value = models.FloatField("nilai", null=True, blank=True)
    evidence = models.JSONField("bukti", default=dict)
    reason_id = models.TextField("alasan")
    reason_en = models.TextField("reason")

    class Meta:
        ordering = ["child", "code", "period"]
        indexes = [
            models.Index(fields=["child", "code"], name="childflag_child_code"),
            models.Index(fields=["code", "period", "status"], name="childflag_code_period"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.period} {self.status}"


class FlagAggregate(models.Model):
    """Numerator, denominator, rate and Wilson 95% interval per rule, quarter and area."""

    code = models.CharField(max_length=40)
    period = models.CharField(max_length=7)
    level = models.CharField(max_length=10)  # desa | kecamatan | district
    area_code = models.CharField(max_length=20)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    rate = models.FloatField()
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    not_assessable_district = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["code", "period", "level", "area_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "period", "level", "area_code"], name="flagaggregate_one_per_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.period} {self.area_code}: {self.numerator}/{self.denominator}"


class SurveyFigure(models.Model):
    """A survey's figure (SSGI/SKI) for an indicator, to read the weighing-based rate beside."""

    indicator = models.CharField(max_length=40)
    area_level = models.CharField(max_length=10)
    area_code = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    source = models.CharField(max_length=100)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["indicator", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area_level", "area_code", "year", "source"],
                name="surveyfigure_one_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.indicator} {self.area_code} {self.year}: {self.value:.3f}"


class DesaHotspot(models.Model):
    """The composite vulnerability index of a desa in a quarter and its local Gi* hotspot test."""

    desa_code = models.CharField(max_length=20)
    period = models.CharField(max_length=7)
    index = models.FloatField()
    gi_star_z = models.FloatField()
    p_value = models.FloatField()
    classification = models.CharField(max_length=10)  # hot | cold | none
    flags_used = models.CharField(max_length=300)

    class Meta:
        ordering = ["period", "desa_code"]
        constraints = [
            models.UniqueConstraint(fields=["desa_code", "period"], name="desahotspot_one_per_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.desa_code} {self.period} {self.classification}"
