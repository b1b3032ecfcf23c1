"""The mobile civil-registration unit ("Jempol Adminduk Perbatasan"): its quarterly plans, the
planned visits, and the visits made with what they gave and issued.

Everything here is per desa and from aggregates (no child's personal data). A visit keeps the
desa's no_akta/no_kia figures of the latest aggregates at the time it was recorded ("before");
"after" is read from the next quarter's aggregates when they exist (selectors.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutreachPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draf / draft"
        CONFIRMED = "confirmed", "Ditetapkan / confirmed"

    quarter = models.CharField("triwulan", max_length=7)  # 2025Q1
    visit_days = models.PositiveSmallIntegerField("hari kunjungan")
    desa_per_day = models.PositiveSmallIntegerField("desa per hari", default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    flags_period = models.CharField("triwulan data penanda", max_length=7, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-quarter", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quarter"],
                condition=Q(status="confirmed"),
                name="jempol_one_confirmed_plan_per_quarter",
            )
        ]
        verbose_name = "rencana unit keliling"
        verbose_name_plural = "rencana unit keliling"

    def __str__(self) -> str:
        return f"Jempol {self.quarter} ({self.status})"


class PlannedVisit(models.Model):
    plan = models.ForeignKey(OutreachPlan, on_delete=models.CASCADE, related_name="visits")
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("tanggal")
    order = models.PositiveSmallIntegerField("urutan")
    score = models.FloatField("skor")
    priority = models.PositiveSmallIntegerField("prioritas", default=1)  # 1 high, 2 medium, 3 low
    no_akta = models.PositiveIntegerField("anak tanpa akta")
    no_kia = models.PositiveIntegerField("anak tanpa KIA")
    distance_km = models.FloatField("jarak dari ibu kota (km)", null=True)
    days_since_visit = models.PositiveIntegerField("hari sejak kunjungan terakhir", null=True)
    reason = models.TextField("alasan / reason")

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="jempol_plannedvisit_one_per_order"),
            models.UniqueConstraint(fields=["plan", "desa"], name="jempol_plannedvisit_one_per_desa"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.desa_id} {self.date}"

    @property
    def gap(self) -> int:
        return self.no_akta + self.no_kia


class Service(models.TextChoices):
    AKTA = "akta", "Akta kelahiran / birth certificate"
    KIA = "kia", "KIA / child identity card"
    KK = "kk", "KK / family card"
    KTP_EL = "ktp_el", "Perekaman KTP-el / e-ID recording"
    OTHER = "other", "Lainnya (mis. akta kematian) / other (e.g. death registration)"


class Visit(models.Model):
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("tanggal")
    planned_visit = models.ForeignKey(
        PlannedVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="made"
    )
    team = models.CharField("tim", max_length=200, blank=True)
    notes = models.TextField("catatan", blank=True)
    services = models.JSONField("layanan", default=list)  # Service codes
    issued_akta = models.PositiveIntegerField("akta terbit", default=0)
    issued_kia = models.PositiveIntegerField("KIA terbit", default=0)
    issued_kk = models.PositiveIntegerField("KK terbit", default=0)
    issued_ktp_el = models.PositiveIntegerField("KTP-el direkam", default=0)
    issued_other = models.PositiveIntegerField("lainnya", default=0)
    # The desa's figures in the latest aggregates when the visit was recorded ("before").
    before_period = models.CharField(max_length=7, blank=True)
    before_no_akta = models.PositiveIntegerField(null=True)
    before_no_akta_of = models.PositiveIntegerField(null=True)
    before_no_kia = models.PositiveIntegerField(null=True)
    before_no_kia_of = models.PositiveIntegerField(null=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["desa", "date"], name="jempol_visit_desa_date")]

    def __str__(self) -> str:
        return f"{self.desa_id} {self.date}"

    @property
    def documents_issued(self) -> int:
        return self.issued_akta + self.issued_kia + self.issued_kk + self.issued_ktp_el + self.issued_other
