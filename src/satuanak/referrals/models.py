"""Referrals between units and SAPA ABK developmental screening (issue 8).

A `ServiceUnit` is a place a child is referred from or to (a puskesmas or PRAP, a school, a
posyandu, UPTD PPA, Dinsos P3A, the SAPA ABK unit, PUSPAGA, RSUD, Disdukcapil). The users of
the unit's `agency` act for it: they send referrals from it and answer the ones sent to it.
A `Referral` carries its dates and status; every step is a `ReferralEvent` (who, when, from
which status to which). Rules of the steps live in transitions.py, the writes in services.py.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.referrals import transitions as t


class ServiceUnit(models.Model):
    class Kind(models.TextChoices):
        # sending
        PUSKESMAS = "puskesmas", "Puskesmas"
        PRAP = "prap", "Puskesmas Ramah Anak (PRAP)"
        SCHOOL = "school", "Sekolah"
        PATBM = "patbm", "PATBM (perlindungan anak berbasis masyarakat)"
        POSYANDU = "posyandu", "Posyandu"
        # receiving
        UPTD_PPA = "uptd_ppa", "UPTD PPA"
        DINSOS_P3A = "dinsos_p3a", "Dinas Sosial P3A"
        SAPA_ABK = "sapa_abk", "SAPA ABK (anak berkebutuhan khusus)"
        PUSPAGA = "puspaga", "PUSPAGA (pusat pembelajaran keluarga)"
        RSUD = "rsud", "RSUD"
        DISDUKCAPIL = "disdukcapil", "Disdukcapil"

    code = models.SlugField("kode", max_length=60, unique=True)
    name = models.CharField("nama", max_length=200)
    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    receives = models.BooleanField("menerima rujukan", default=False)
    kecamatan = models.ForeignKey(
        "regions.Kecamatan", on_delete=models.PROTECT, null=True, blank=True, related_name="service_units"
    )
    # The users of this agency act for the unit (send from it, answer referrals to it).
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="service_units"
    )
    active = models.BooleanField("aktif", default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "unit layanan"
        verbose_name_plural = "unit layanan"

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    class Urgency(models.TextChoices):
        EMERGENCY = t.EMERGENCY, "Darurat / emergency"
        URGENT = t.URGENT, "Segera / urgent"
        ROUTINE = t.ROUTINE, "Biasa / routine"

    class Status(models.TextChoices):
        SENT = t.SENT, "Dikirim / sent"
        RECEIVED = t.RECEIVED, "Diterima / received"
        IN_SERVICE = t.IN_SERVICE, "Dalam layanan / in service"
        COMPLETED = t.COMPLETED, "Selesai / completed"
        DECLINED = t.DECLINED, "Ditolak / declined"

    child = models.ForeignKey("persons.Child", on_delete=models.PROTECT, related_name="referrals")
    from_unit = models.ForeignKey(ServiceUnit, on_delete=models.PROTECT, related_name="referrals_sent")
    to_unit = models.ForeignKey(ServiceUnit, on_delete=models.PROTECT, related_name="referrals_received")
    reason = models.TextField("alasan rujukan")
    urgency = models.CharField("urgensi", max_length=10, choices=Urgency.choices)
    # Violence-related: readable only by its author and roles that see SIMFONI cases.
    is_protection = models.BooleanField("kasus kekerasan / perlindungan", default=False)
    status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.SENT)
    sent_on = models.DateField("tanggal kirim")
    due_on = models.DateField("batas layanan")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    declined_reason = models.TextField("alasan ditolak", blank=True)
    outcome = models.TextField("hasil layanan", blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        indexes = [
            models.Index(fields=["to_unit", "status", "due_on"], name="referral_inbox"),
            models.Index(fields=["from_unit", "sent_on"], name="referral_outbox"),
        ]
        constraints = [
            models.CheckConstraint(
                name="referral_between_two_units", condition=~models.Q(from_unit=models.F("to_unit"))
            ),
            models.CheckConstraint(
                name="referral_due_after_sent", condition=models.Q(due_on__gte=models.F("sent_on"))
            ),
            models.CheckConstraint(name="referral_status_known", condition=models.Q(status__in=t.STATUSES)),
            models.CheckConstraint(
                name="referral_urgency_known", condition=models.Q(urgency__in=t.URGENCIES)
            ),
            models.CheckConstraint(
                name="referral_declined_has_reason",
                condition=~models.Q(status=t.DECLINED) | ~models.Q(declined_reason=""),
            ),
            models.CheckConstraint(
                name="referral_completed_has_outcome",
                condition=~models.Q(status=t.COMPLETED) | ~models.Q(outcome=""),
            ),
        ]

    def __str__(self) -> str:
        return f"rujukan #{self.pk} ({self.status})"  # no child name: __str__ ends up in logs

    def is_overdue_on(self, today: date) -> bool:
        return t.is_overdue(self.status, self.due_on, today)


class ReferralEvent(models.Model):
    """One step of a referral: who moved it from which status to which, when, with what note.
    The first event (from "" to sent) is the sending."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("dari status", max_length=12, blank=True)
    to_status = models.CharField("ke status", max_length=12)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral_events")
    at = models.DateTimeField("waktu", default=timezone.now)
    note = models.TextField("catatan", blank=True)

    class Meta:
        ordering = ["referral", "at", "id"]
        constraints = [
            models.CheckConstraint(
                name="referral_event_status_known", condition=models.Q(to_status__in=t.STATUSES)
            )
        ]

    def __str__(self) -> str:
        return f"rujukan #{self.referral_id}: {self.from_status or '-'} → {self.to_status}"


class ReferralAttachment(models.Model):
    """A letter, photo or scan sent with a referral. Stored under MEDIA_ROOT/referrals/ by its
    SHA-256 (the same bytes are kept once); the type is read from the bytes, not the name."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField("berkas tersimpan", max_length=200)  # relative to MEDIA_ROOT
    original_name = models.CharField("nama berkas asli", max_length=255)
    content_type = models.CharField("jenis isi", max_length=40, choices=ContentType.choices)
    size_bytes = models.PositiveIntegerField("ukuran")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral_attachments"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["referral", "id"]
        constraints = [
            models.CheckConstraint(
                name="referral_attachment_type_known",
                condition=models.Q(content_type__in=["application/pdf", "image/png", "image/jpeg"]),
            )
        ]

    def __str__(self) -> str:
        return f"lampiran #{self.pk} ({self.content_type})"


class DevelopmentScreening(models.Model):
    """One developmental screening (SDIDTK): KPSP, hearing (TDD) or vision (TDL), and the
    referral it led to, if any."""

    class Instrument(models.TextChoices):
        KPSP = t.KPSP, "KPSP (perkembangan / development)"
        HEARING = t.HEARING, "TDD (daya dengar / hearing)"
        VISION = t.VISION, "TDL (daya lihat / vision)"

    class Result(models.TextChoices):
        APPROPRIATE = t.APPROPRIATE, "Sesuai / appropriate"
        DOUBTFUL = t.DOUBTFUL, "Meragukan / doubtful"
        DEVIATION = t.DEVIATION, "Penyimpangan / deviation"
        NORMAL = t.NORMAL, "Normal"
        SUSPECTED = t.SUSPECTED, "Curiga gangguan / suspected"

    child = models.ForeignKey("persons.Child", on_delete=models.PROTECT, related_name="screenings")
    screened_on = models.DateField("tanggal skrining")
    instrument = models.CharField("instrumen", max_length=10, choices=Instrument.choices)
    result = models.CharField("hasil", max_length=12, choices=Result.choices)
    age_months = models.PositiveSmallIntegerField("umur (bulan)", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings_recorded"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField("catatan", blank=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="screenings"
    )

    class Meta:
        ordering = ["child", "-screened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="screening_result_fits_instrument",
                condition=(
                    models.Q(instrument=t.KPSP, result__in=t.SCREENING_RESULTS[t.KPSP])
                    | models.Q(
                        instrument__in=[t.HEARING, t.VISION], result__in=t.SCREENING_RESULTS[t.HEARING]
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return f"skrining #{self.pk} {self.instrument}: {self.result}"
