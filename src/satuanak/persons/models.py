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
    sex = models.CharField("jenis kelamin", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("tanggal lahir")
    desa = models.ForeignKey(Desa, on_delete=models.PROTECT, related_name="children")
    mother_name = models.CharField("nama ibu", max_length=200, blank=True)
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
    observed_on = models.DateField("tanggal", null=True, blank=True)
    summary = models.JSONField("ringkasan", default=dict)

    class Meta:
        ordering = ["source", "-observed_on", "id"]
        indexes = [models.Index(fields=["child", "source"], name="childrecord_child_source")]
        verbose_name = "rekaman sumber"
        verbose_name_plural = "rekaman sumber"

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"
