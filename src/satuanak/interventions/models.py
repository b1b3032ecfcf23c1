"""Actions taken on a child (issue 8, first part): what was done, by whom, where, when, and the
flag it answers. Written by people (cadres, TPK, puskesmas staff), not derived: a linkage or
flags rerun never touches them. Follow-up rules per type say when the outcome is checked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Intervention(models.Model):
    class Kind(models.TextChoices):
        PMT = "pmt", "PMT (pemberian makanan tambahan)"
        HOME_VISIT = "home_visit", "Kunjungan rumah TPK"
        COUNSELLING = "counselling", "Konseling"
        IMMUNISATION_CATCH_UP = "immunisation_catch_up", "Imunisasi kejar"
        DOCUMENT_SERVICE = "document_service", "Layanan dokumen (akta/KIA)"
        SAPA_ABK = "sapa_abk", "Layanan SAPA ABK"
        OTHER = "other", "Lainnya"

    child = models.ForeignKey("persons.Child", on_delete=models.PROTECT, related_name="interventions")
    kind = models.CharField("jenis", max_length=30, choices=Kind.choices)
    programme = models.CharField("program", max_length=100, blank=True)  # e.g. GESIT
    start_date = models.DateField("mulai")
    end_date = models.DateField("selesai", null=True, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interventions_given"
    )
    place = models.CharField("tempat", max_length=200, blank=True)
    answers_flag = models.CharField("menjawab penanda", max_length=40, blank=True)
    notes = models.TextField("catatan", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["child", "-start_date", "-id"]
        indexes = [models.Index(fields=["kind", "start_date"], name="intervention_kind_start")]
        constraints = [
            models.CheckConstraint(
                name="intervention_ends_after_it_starts",
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"  # no child name: __str__ ends up in logs
