"""The golden child record ("Satu Anak, Satu NIK") and the source records linked to it.

Kept minimal until the linkage stage builds it: enough for the access gate, the child's page
and the audit trail to be real. The record is derived (ARCHITECTURE.md): linkage rebuilds it
from source rows plus review decisions; nothing here is edited by hand.
"""

from __future__ import annotations

from django.db import models

from satuanak.core.sources import Source
from satuanak.regions.models import Desa


class Child(models.Model):
    class Sex(models.TextChoices):
        MALE = "L", "Laki-laki"
        FEMALE = "P", "Perempuan"

    nik = models.CharField("NIK", max_length=16, blank=True, db_index=True)
    kk_number = models.CharField("No. KK", max_length=16, blank=True)
    name = models.CharField("nama", max_length=200)
    sex = models.CharField("jenis kelamin", max_length=1, choices=Sex.choices, blank=True)
    # Unknown when no source gives it (SIMFONI often has none): a finding, not an error.
    birth_date = models.DateField("tanggal lahir", null=True, blank=True)
    # Unknown when only DAPODIK knows the child (schools, not homes): visible district-wide only.
    desa = models.ForeignKey(Desa, on_delete=models.PROTECT, related_name="children", null=True, blank=True)
    mother_name = models.CharField("nama ibu", max_length=200, blank=True)
    # Linkage (satuanak.linkage): the cluster this record stands for, by its smallest record id;
    # the same cluster in the next run keeps this child (and its id).
    linkage_key = models.CharField("kunci penautan", max_length=200, null=True, blank=True, unique=True)
    in_siak = models.BooleanField("tercatat di SIAK", default=False)
    field_sources = models.JSONField("sumber tiap kolom", default=dict, blank=True)
    n_records = models.PositiveIntegerField("jumlah rekaman sumber", default=0)
    # No source says when a child moves away (SIAK's export has no "pindah" column): the steward
    # records it (governance.retention_services.child_left_district_record); it starts the
    # retention clock of rules with a `left_district` trigger. Linkage never writes it.
    left_district_on = models.DateField("pindah keluar kabupaten", null=True, blank=True)
    # Set by the retention run when every record of the child was past its time: the identity is
    # gone and the row stays only so per-quarter figures and rows that point at it hold. Linkage
    # leaves such a child alone (it has no records to claim it).
    anonymised_on = models.DateField("dianonimkan", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "anak"
        verbose_name_plural = "anak"

    def __str__(self) -> str:
        return f"anak #{self.pk}"  # no name or NIK: __str__ ends up in logs and error pages


class ChildRecord(models.Model):
    """One source record linked to a child, with the fields its page shows."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="records")
    source = models.CharField("sumber", max_length=20, choices=[(s.value, s.label) for s in Source])
    # The linkage record ("<format>:<person key>") and the staged row this summarises.
    record_id = models.CharField("rekaman", max_length=200, blank=True, db_index=True)
    batch_id = models.PositiveIntegerField("batch", null=True, blank=True)
    row_number = models.PositiveIntegerField("baris", null=True, blank=True)
    observed_on = models.DateField("tanggal", null=True, blank=True)
    summary = models.JSONField("ringkasan", default=dict)

    class Meta:
        ordering = ["source", "-observed_on", "id"]
        indexes = [models.Index(fields=["child", "source"], name="childrecord_child_source")]
        verbose_name = "rekaman sumber"
        verbose_name_plural = "rekaman sumber"

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"
