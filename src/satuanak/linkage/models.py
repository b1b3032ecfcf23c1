"""Linkage state: the trained model, each run, the scored pairs, the review queue and its
decisions, and which child each source record belongs to.

The golden child (persons.Child) is derived: a run rebuilds it from staged rows, the stored
pairs and the review decisions. Decisions are the only thing here people write; they are kept
by the pair of record ids, so they survive every later run.

Record ids are "<format>:<person key>" and may hold a NIK: never print them on public pages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class LinkageModel(models.Model):
    """A trained Fellegi-Sunter model (Splink settings with m and u) and its thresholds."""

    version = models.CharField("versi", max_length=30)
    params = models.JSONField("parameter Splink")
    trained_at = models.DateTimeField("dilatih", default=timezone.now)
    trained_on = models.PositiveIntegerField("jumlah rekaman latih", default=0)
    # Pairs at or above `accept` link by themselves; between `review` and `accept` a person
    # decides. Editable by the data steward (admin) without code.
    accept_threshold = models.FloatField(
        "ambang tautan otomatis",
        default=0.99,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.99999)],
    )
    review_threshold = models.FloatField(
        "ambang tinjauan", default=0.80, validators=[MinValueValidator(0.01), MaxValueValidator(0.9999)]
    )
    active = models.BooleanField("dipakai", default=True)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = "model penautan"
        verbose_name_plural = "model penautan"

    def __str__(self) -> str:
        return f"model {self.version} #{self.pk}"

    def clean(self) -> None:
        if self.review_threshold >= self.accept_threshold:
            raise ValidationError(
                "Ambang tinjauan harus di bawah ambang tautan otomatis. / "
                "The review threshold must be below the automatic link threshold."
            )


class LinkageRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", "Bangun ulang penuh"
        INCREMENTAL = "incremental", "Tambahan (rekaman baru saja)"

    class Status(models.TextChoices):
        RUNNING = "running", "Berjalan"
        DONE = "done", "Selesai"
        FAILED = "failed", "Gagal"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField("tanggal acuan umur")
    stats = models.JSONField("angka", default=dict, blank=True)
    message = models.TextField(blank=True)
    stage = models.CharField("tahap", max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField("kemajuan (%)", default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "proses penautan"
        verbose_name_plural = "proses penautan"

    def __str__(self) -> str:
        return f"penautan #{self.pk} ({self.kind})"


class LinkedRecord(models.Model):
    """A person as one source knows them, and the child the last run put them with."""

    record_id = models.CharField(max_length=200, unique=True)
    source = models.CharField("format", max_length=30, db_index=True)
    child = models.ForeignKey(
        "persons.Child", on_delete=models.SET_NULL, null=True, blank=True, related_name="linked_records"
    )
    # A digest of the identity fields: when it changes, the record's pairs are scored again.
    features = models.CharField(max_length=40)
    n_rows = models.PositiveIntegerField(default=0)
    # The identity fields as linkage compared them, for the review page (personal data: read
    # through linkage.selectors only).
    identity = models.JSONField("identitas", default=dict)

    class Meta:
        verbose_name = "rekaman tertaut"
        verbose_name_plural = "rekaman tertaut"

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"  # not the record id: it may hold a NIK


class LinkEdge(models.Model):
    """A scored pair at or above the review threshold; kept so that an incremental run scores
    only the pairs of new or changed records."""

    record_l = models.CharField(max_length=200)
    record_r = models.CharField(max_length=200, db_index=True)
    probability = models.FloatField()
    match_weight = models.FloatField()
    nik_distance = models.PositiveSmallIntegerField(null=True, blank=True)
    weights = models.JSONField("bobot per perbandingan", default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record_l", "record_r"], name="linkedge_one_per_pair")]

    def __str__(self) -> str:
        return f"pasangan #{self.pk} p={self.probability:.3f}"


class ReviewPair(models.Model):
    """A pair for a person to decide: uncertain, or the same NIK on two different people, or
    a confident match between two different NIKs. The decision outlives every run."""

    class Status(models.TextChoices):
        OPEN = "open", "Menunggu"
        ACCEPTED = "accepted", "Orang yang sama"
        REJECTED = "rejected", "Orang berbeda"

    record_l = models.CharField(max_length=200)
    record_r = models.CharField(max_length=200)
    probability = models.FloatField(null=True, blank=True)
    match_weight = models.FloatField(null=True, blank=True)
    weights = models.JSONField("bobot per perbandingan", default=dict)
    reason = models.CharField("alasan", max_length=200)
    # Whether the latest run still raises the pair (records change; decisions stay).
    active = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField("catatan", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record_l", "record_r"], name="reviewpair_one_per_pair")
        ]
        verbose_name = "pasangan tinjauan"
        verbose_name_plural = "pasangan tinjauan"

    def __str__(self) -> str:
        return f"tinjauan #{self.pk} ({self.status})"


class SuppressedRecord(models.Model):
    """A staged row the retention job removed (governance.retention_services): linkage, flags and
    mutu skip it, so the next run does not build it again from the staged files, which never
    change (docs/decisions/0005, 0007).

    Kept by a digest of the format and the row's natural key (`records.natural_key_digest`), not
    the key itself: a natural key often holds a NIK, and the list must not become a register of the
    people removed. The digest is unkeyed on purpose: a rotated secret must never quietly lift a
    suppression. (The staged files still hold the row until a compaction drops it.)"""

    adapter = models.CharField("format", max_length=30)
    key_digest = models.CharField("sidik kunci", max_length=64)
    rule = models.CharField("aturan retensi", max_length=60)
    suppressed_on = models.DateField("tanggal")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["adapter", "key_digest"], name="suppressedrecord_one_per_key")
        ]
        verbose_name = "rekaman yang ditahan"
        verbose_name_plural = "rekaman yang ditahan"

    def __str__(self) -> str:
        return f"{self.adapter} #{self.pk}"
