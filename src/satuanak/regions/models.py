"""Kabupaten Bengkayang's kecamatan and desa/kelurahan with official Kemendagri codes.

Codes are the dotted Kemendagri form (`61.07.01.2001`), never BPS codes (Bengkayang is 6102 at
BPS; the two schemes must not be mixed). Boundaries are stored as GeoJSON geometry objects in a
JSON column rather than a spatial type: the embedded default (SQLite) has no spatial extension,
and the map only needs to draw them, not to query them spatially.
"""

from __future__ import annotations

from django.db import models


class Kecamatan(models.Model):
    code = models.CharField("kode Kemendagri", max_length=8, unique=True)
    name = models.CharField("nama", max_length=100)
    geometry = models.JSONField("batas (GeoJSON)", null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "kecamatan"
        verbose_name_plural = "kecamatan"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Desa(models.Model):
    class Kind(models.TextChoices):
        DESA = "desa", "Desa"
        KELURAHAN = "kelurahan", "Kelurahan"

    code = models.CharField("kode Kemendagri", max_length=13, unique=True)
    name = models.CharField("nama", max_length=100)
    kind = models.CharField("jenis", max_length=10, choices=Kind.choices, default=Kind.DESA)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="desa_set")
    geometry = models.JSONField("batas (GeoJSON)", null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lng = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "desa/kelurahan"
        verbose_name_plural = "desa/kelurahan"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
