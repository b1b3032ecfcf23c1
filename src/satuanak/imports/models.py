"""Import batches, what each file brought, what was refused and why.

Every file loaded is a batch (source, file name, SHA-256, who, when, counts). Accepted rows are
staged in the batch's own Parquet file (`staged_file`, see imports/staging.py and
docs/decisions/0005): per natural key, the newest done batch holds the current version and the
older ones its history. Rejected rows are kept whole here, with the issues that refused them.
rows_in = accepted + rejected for every batch: a check constraint holds the database to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from satuanak.core.sources import Source


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Menunggu"
        RUNNING = "running", "Berjalan"
        DONE = "done", "Selesai"
        DUPLICATE = "duplicate", "Berkas sama sudah diimpor"
        FAILED = "failed", "Gagal"

    source = models.CharField("sumber", max_length=20, choices=[(s.value, s.label) for s in Source])
    adapter = models.CharField("format", max_length=30, blank=True)
    file_name = models.CharField("nama berkas", max_length=255)
    sheet = models.CharField("sheet", max_length=100, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size_bytes = models.BigIntegerField("ukuran (byte)", default=0)
    stored_path = models.CharField("salinan berkas", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("dibuat", auto_now_add=True)
    started_at = models.DateTimeField("mulai", null=True, blank=True)
    finished_at = models.DateTimeField("selesai", null=True, blank=True)
    status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField("tahap", max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField("kemajuan (%)", default=0)
    rows_in = models.PositiveIntegerField("baris masuk", default=0)
    accepted = models.PositiveIntegerField("diterima", default=0)
    rejected = models.PositiveIntegerField("ditolak", default=0)
    inserted = models.PositiveIntegerField("baru", default=0)
    updated = models.PositiveIntegerField("diperbarui", default=0)
    unchanged = models.PositiveIntegerField("tidak berubah", default=0)
    warnings = models.PositiveIntegerField("peringatan", default=0)
    blank_rows = models.PositiveIntegerField("baris kosong dilewati", default=0)
    # The file's row (line) of column headers: a staged row's number minus this is its place
    # among the data rows, whatever title rows sit above the table.
    header_row = models.PositiveIntegerField("baris judul kolom", null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField("pesan", blank=True)
    # Relative to settings.SATUANAK_STAGING_DIR; set in the transaction that marks the batch done.
    staged_file = models.CharField("berkas baris diterima", max_length=300, blank=True)
    # The order in which done batches of a format were committed (1, 2, ...), assigned under the
    # import lock: the newest version of a record is the one in the highest. Not the batch id:
    # two imports started together may commit in the other order.
    staged_order = models.PositiveIntegerField("urutan", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "batch impor"
        verbose_name_plural = "batch impor"
        constraints = [
            models.CheckConstraint(
                name="importbatch_rows_accounted_for",
                condition=Q(rows_in=F("accepted") + F("rejected")),
            ),
            # The same file (by content) is imported once per format; a second try is recorded
            # as a DUPLICATE batch that adds nothing.
            models.UniqueConstraint(
                fields=["adapter", "sha256"], condition=Q(status="done"), name="importbatch_one_done_per_file"
            ),
        ]

    def __str__(self) -> str:
        return f"batch #{self.pk} {self.adapter or self.source} {self.file_name}"


class ImportIssue(models.Model):
    """One problem found in one row (or in the file): why a row was refused, or a warning."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row_number = models.PositiveIntegerField("baris", null=True, blank=True)
    column = models.CharField("kolom", max_length=200, blank=True)
    value = models.TextField("nilai", blank=True)
    code = models.CharField("kode", max_length=40)
    severity = models.CharField("tingkat", max_length=10, default="error")
    message = models.TextField("alasan")

    class Meta:
        ordering = ["batch", "row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"], name="importissue_batch_row")]

    def __str__(self) -> str:
        return f"batch #{self.batch_id} baris {self.row_number}: {self.code}"


class RejectedRow(models.Model):
    """A refused row kept whole, as read from the file, to be corrected and imported again."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField("baris")
    data = models.JSONField("isi baris")

    class Meta:
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"batch #{self.batch_id} baris {self.row_number}"
