"""GESIT stunting programme (issue 8): foster parents (BAAS), the 1-10-100 assignment, PMT
delivery logs and the Prosasa community ledger.

Rows are written only through gesit/services.py (scoped, validated, audited); the rules a
database can hold are constraints here, the others (capacity against active assignments, a
ledger that never goes negative) are checked by the services under a row lock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

PROGRAMME_DAYS = 100  # "1-10-100": one BAAS, up to 10 children, 100 days
MAX_CHILDREN_PER_BAAS = 10


class Baas(models.Model):
    """A foster parent (Bapak/Bunda Asuh Anak Stunting): a person or a company (CSR)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Perorangan / person"
        COMPANY = "company", "Perusahaan / company"

    kind = models.CharField("jenis", max_length=10, choices=Kind.choices)
    name = models.CharField("nama", max_length=200)
    phone = models.CharField("telepon", max_length=30, blank=True)
    email = models.EmailField("surel", blank=True)
    commitment = models.TextField("komitmen", blank=True)  # e.g. "telur dan susu 100 hari"
    capacity = models.PositiveSmallIntegerField("kapasitas anak", default=MAX_CHILDREN_PER_BAAS)
    kecamatan = models.ForeignKey("regions.Kecamatan", on_delete=models.PROTECT, related_name="baas_set")
    # The desa the BAAS is based in (distances are measured from it); a company may give only
    # its kecamatan, and then the kecamatan's centroid stands in.
    desa = models.ForeignKey(
        "regions.Desa", on_delete=models.PROTECT, null=True, blank=True, related_name="baas_set"
    )
    active = models.BooleanField("aktif", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kecamatan", "name", "id"]
        verbose_name = "BAAS (bapak/bunda asuh anak stunting)"
        verbose_name_plural = "BAAS"
        constraints = [
            models.CheckConstraint(
                name="baas_capacity_1_to_10",
                condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_CHILDREN_PER_BAAS),
            ),
            models.CheckConstraint(name="baas_kind_known", condition=Q(kind__in=["person", "company"])),
            models.CheckConstraint(name="baas_has_a_name", condition=~Q(name="")),
        ]

    def __str__(self) -> str:
        return f"BAAS #{self.pk}"


class BaasAssignment(models.Model):
    """One child taken by one BAAS for 100 days (start_date .. start_date + 99 days)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Diusulkan / proposed"
        CONFIRMED = "confirmed", "Ditetapkan / confirmed"
        ENDED = "ended", "Dihentikan / ended"

    baas = models.ForeignKey(Baas, on_delete=models.PROTECT, related_name="assignments")
    child = models.ForeignKey("persons.Child", on_delete=models.PROTECT, related_name="gesit_assignments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    start_date = models.DateField("mulai")
    end_date = models.DateField("selesai (hari ke-100)")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField("tanggal dihentikan", null=True, blank=True)  # the last day it ran
    ended_reason = models.TextField("alasan dihentikan", blank=True)
    # The PMT intervention recorded on confirmation: what outcome reports count.
    intervention = models.OneToOneField(
        "interventions.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gesit_assignment",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["baas", "-start_date", "id"]
        indexes = [models.Index(fields=["child", "status"], name="gesit_assignment_child")]
        constraints = [
            models.CheckConstraint(
                name="gesit_assignment_status_known",
                condition=Q(status__in=["proposed", "confirmed", "ended"]),
            ),
            models.CheckConstraint(
                name="gesit_assignment_ends_after_start", condition=Q(end_date__gte=models.F("start_date"))
            ),
            models.CheckConstraint(
                name="gesit_assignment_confirmed_has_who",
                condition=~Q(status="confirmed")
                | (
                    Q(confirmed_by__isnull=False)
                    & Q(confirmed_at__isnull=False)
                    & Q(intervention__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="gesit_assignment_ended_has_reason",
                condition=~Q(status="ended")
                | (Q(ended_at__isnull=False) & Q(ended_on__isnull=False) & ~Q(ended_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"penugasan BAAS #{self.pk}"  # no child name: __str__ ends up in logs


class PmtDelivery(models.Model):
    """One delivery of supplementary food (PMT) to an assigned child."""

    assignment = models.ForeignKey(BaasAssignment, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField("tanggal")
    item = models.CharField("barang", max_length=100)  # "telur", "paket PMT lokal"
    quantity = models.DecimalField("jumlah", max_digits=8, decimal_places=2)
    unit = models.CharField("satuan", max_length=20)  # "butir", "paket", "kg"
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField("catatan", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assignment", "-delivered_on", "-id"]
        indexes = [models.Index(fields=["assignment", "delivered_on"], name="gesit_delivery_assignment")]
        constraints = [
            models.CheckConstraint(name="gesit_delivery_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(name="gesit_delivery_has_item", condition=~Q(item="") & ~Q(unit="")),
        ]

    def __str__(self) -> str:
        return f"PMT #{self.pk}"


class ProsasaEntry(models.Model):
    """One line of a posyandu's Prosasa ledger: eggs and money collected (in) or spent on PMT
    (out). The running balance, in (entry_date, id) order, never goes below zero."""

    class Direction(models.TextChoices):
        IN = "in", "Masuk (donasi) / in (donation)"
        OUT = "out", "Keluar (PMT) / out (PMT)"

    posyandu = models.ForeignKey(
        "facilities.Posyandu", on_delete=models.PROTECT, related_name="prosasa_entries"
    )
    entry_date = models.DateField("tanggal")
    direction = models.CharField("arah", max_length=3, choices=Direction.choices)
    eggs = models.PositiveIntegerField("telur (butir)", default=0)
    money = models.PositiveBigIntegerField("uang (rupiah)", default=0)
    note = models.TextField("catatan", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["posyandu", "entry_date", "id"]
        indexes = [models.Index(fields=["posyandu", "entry_date"], name="gesit_prosasa_posyandu_date")]
        verbose_name = "entri Prosasa"
        verbose_name_plural = "buku Prosasa"
        constraints = [
            models.CheckConstraint(
                name="gesit_prosasa_direction_known", condition=Q(direction__in=["in", "out"])
            ),
            models.CheckConstraint(name="gesit_prosasa_eggs_not_negative", condition=Q(eggs__gte=0)),
            models.CheckConstraint(name="gesit_prosasa_money_not_negative", condition=Q(money__gte=0)),
            models.CheckConstraint(
                name="gesit_prosasa_something_moves", condition=Q(eggs__gt=0) | Q(money__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"Prosasa #{self.pk} {self.direction}"
