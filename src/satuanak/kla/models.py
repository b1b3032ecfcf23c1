"""KLA (Kabupaten Layak Anak) evaluation: the indicator set as versioned data, and the values
agencies enter with evidence (issue 11).

An `IndicatorSet` version holds the 24 indicators with their targets, zero points, weights and
whether each is verified. A published version never changes: the task force edits a draft copy
and publishes it (a new version number). The scorecard uses the latest published version unless
asked for another.

An `EnteredValue` is one agency's figure for one indicator code and period ("2024Q4"), with its
evidence files; entries are never overwritten: the latest per code and period wins, the earlier
ones stay as history.

These tables hold aggregates only: no row here points to a child.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IndicatorSet(models.Model):
    version = models.PositiveIntegerField("versi", unique=True)
    title = models.CharField("judul", max_length=200)
    published = models.BooleanField("diterbitkan", default=False)
    published_at = models.DateTimeField("waktu terbit", null=True, blank=True)
    valid_from = models.DateField("berlaku sejak", null=True, blank=True)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField("catatan", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = "versi indikator KLA"
        verbose_name_plural = "versi indikator KLA"
        constraints = [
            models.CheckConstraint(
                name="kla_published_set_has_date",
                condition=models.Q(published=False) | models.Q(valid_from__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.title}"


class Indicator(models.Model):
    class Unit(models.TextChoices):
        PERCENT = "%", "% (0-100)"
        SCORE = "skor", "skor 0-100 / score 0-100"
        COUNT = "jumlah", "jumlah / count"

    indicator_set = models.ForeignKey(IndicatorSet, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField("kode", max_length=20)
    order = models.PositiveSmallIntegerField("urutan", default=0)
    cluster = models.CharField("klaster", max_length=40)
    title_id = models.CharField("nama", max_length=300)
    title_en = models.CharField("name (English)", max_length=300)
    definition_id = models.TextField("definisi", blank=True)
    definition_en = models.TextField("definition (English)", blank=True)
    unit = models.CharField("satuan", max_length=10, choices=Unit.choices)
    target = models.FloatField("target (Utama)")
    zero_point = models.FloatField("titik nol (tanpa poin)", default=0.0)
    weight = models.FloatField("bobot (poin)")
    higher_is_better = models.BooleanField("lebih tinggi lebih baik", default=True)
    verified = models.BooleanField("terverifikasi", default=False)
    data_source = models.TextField("sumber data", blank=True)
    platform_source = models.CharField("dihitung platform", max_length=40, blank=True)
    note = models.TextField("catatan", blank=True)

    class Meta:
        ordering = ["indicator_set", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator_set", "code"], name="kla_indicator_code_per_set"),
            models.CheckConstraint(
                name="kla_indicator_weight_not_negative", condition=models.Q(weight__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_id[:60]}"


class EnteredValue(models.Model):
    code = models.CharField("kode indikator", max_length=20)
    period = models.CharField("periode", max_length=6)  # 2024Q4
    value = models.FloatField("nilai")
    numerator = models.PositiveIntegerField("pembilang", null=True, blank=True)
    denominator = models.PositiveIntegerField("penyebut", null=True, blank=True)
    data_date = models.DateField("tanggal data", null=True, blank=True)
    note = models.TextField("catatan / sumber", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "period", "-entered_at", "-id"]
        verbose_name = "nilai indikator KLA"
        verbose_name_plural = "nilai indikator KLA"
        indexes = [models.Index(fields=["code", "period", "entered_at"], name="kla_value_latest")]

    def __str__(self) -> str:
        return f"{self.code} {self.period}: {self.value}"


class ValueEvidence(models.Model):
    """A PDF or image backing an entered value, under MEDIA_ROOT/kla/ by its SHA-256."""

    entered_value = models.ForeignKey(EnteredValue, on_delete=models.CASCADE, related_name="evidence")
    stored_name = models.CharField("berkas tersimpan", max_length=200)
    original_name = models.CharField("nama berkas asli", max_length=255)
    content_type = models.CharField("jenis isi", max_length=40)
    size_bytes = models.PositiveIntegerField("ukuran")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entered_value", "id"]

    def __str__(self) -> str:
        return self.original_name
