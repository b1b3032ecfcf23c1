"""Models of satuanak.kemitraan (see the package docstring).

IKM answers are stored per respondent as a dict keyed by the question set's element codes with
the set's version, so a later version of the questionnaire does not rewrite old answers. No
survey row holds who answered or from where (no user, no IP address): the survey is anonymous.
Money is integer rupiah (no floats, no sen), never negative (checked in the database too).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ServicePoint(models.Model):
    """Where a service is given and rated: the Disdukcapil counter, a puskesmas, the Jempol unit."""

    class Kind(models.TextChoices):
        DISDUKCAPIL = "disdukcapil", "Loket Disdukcapil"
        PUSKESMAS = "puskesmas", "Puskesmas"
        MOBILE = "mobile", "Layanan keliling (Jempol)"

    code = models.SlugField("kode", max_length=40, unique=True)
    name = models.CharField("nama", max_length=150)
    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    facility = models.OneToOneField(
        "facilities.HealthFacility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ikm_service_point",
    )
    active = models.BooleanField("aktif", default=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class IkmResponse(models.Model):
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="responses")
    questionnaire = models.CharField("versi kuesioner", max_length=20)
    answers = models.JSONField("jawaban")  # {"U1": 3, ..., "U9": 4}, checked by ikm.answers_check
    comment = models.CharField("saran", max_length=500, blank=True)
    answered_on = models.DateField("tanggal")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-answered_on", "-id"]
        indexes = [models.Index(fields=["point", "answered_on"], name="ikm_point_day")]

    def __str__(self) -> str:
        return f"IKM #{self.pk}"


class IkmBaseline(models.Model):
    """The quarter a service point's roadmap target is measured from, with its score then.

    The score is stored (not recomputed) so that late answers for the baseline quarter do not
    move the target; the target itself is ikm.ikm_target(baseline, uplift_pct)."""

    point = models.OneToOneField(ServicePoint, on_delete=models.PROTECT, related_name="baseline")
    period = models.CharField("triwulan dasar", max_length=6)
    score = models.DecimalField("IKM dasar", max_digits=5, decimal_places=2)
    respondents = models.PositiveIntegerField("responden")
    uplift_pct = models.PositiveSmallIntegerField("kenaikan target (%)")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.point} {self.period}"


class Company(models.Model):
    """A member of APSAI Bengkayang (Asosiasi Perusahaan Sahabat Anak Indonesia)."""

    name = models.CharField("nama perusahaan", max_length=150, unique=True)
    sector = models.CharField("sektor", max_length=100)
    joined_on = models.DateField("bergabung")
    contact_person = models.CharField("narahubung", max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Commitment(models.Model):
    class Kind(models.TextChoices):
        BAAS_SLOTS = "baas_slots", "Slot BAAS (bapak asuh) / foster-parent slots"
        PLAY_SPACES = "play_spaces", "Ruang bermain ramah anak / child-friendly play spaces"
        SCHOLARSHIPS = "scholarships", "Beasiswa / scholarships"
        OTHER = "other", "Lainnya / other"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    description = models.CharField("uraian", max_length=200, blank=True)
    quantity = models.PositiveIntegerField("jumlah")
    year = models.PositiveSmallIntegerField("tahun")
    programme = models.CharField("program", max_length=30)  # a code from data/kemitraan/lists_v1.json
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "company__name", "id"]
        constraints = [
            models.CheckConstraint(name="commitment_quantity_positive", condition=models.Q(quantity__gt=0))
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.kind} {self.year}"


class Delivery(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="deliveries")
    description = models.CharField("yang diserahkan", max_length=200)
    delivered_on = models.DateField("tanggal")
    quantity = models.PositiveIntegerField("jumlah")
    evidence_note = models.CharField("bukti", max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["delivered_on", "id"]
        constraints = [
            models.CheckConstraint(name="delivery_quantity_positive", condition=models.Q(quantity__gt=0))
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk}"


class FundingEntry(models.Model):
    """One line of money for a programme from a source: planned (budgeted) or spent."""

    class Kind(models.TextChoices):
        PLANNED = "planned", "Rencana / planned"
        SPENT = "spent", "Realisasi / spent"

    programme = models.CharField("program", max_length=30)  # codes from data/kemitraan/lists_v1.json
    source = models.CharField("sumber dana", max_length=30)
    year = models.PositiveSmallIntegerField("tahun anggaran")
    kind = models.CharField("jenis", max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField("jumlah (Rp)")
    entry_date = models.DateField("tanggal")
    note = models.CharField("catatan", max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "programme", "source", "entry_date", "id"]
        indexes = [models.Index(fields=["year", "programme", "source"], name="funding_year_prog_src")]
        constraints = [
            models.CheckConstraint(name="funding_amount_not_negative", condition=models.Q(amount__gte=0))
        ]

    def __str__(self) -> str:
        return f"{self.programme}/{self.source} {self.year} {self.kind}"
