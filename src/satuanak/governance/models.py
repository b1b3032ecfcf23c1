"""Data governance under the PDP law (UU 27/2022). First part: the breach and incident log.

An incident is recorded when it is discovered: what happened, which kinds of data and sources it
touched, how many children (and others), what was done to contain it, and whom the district
notified and when. UU 27/2022 art. 46 gives the controller 3 × 24 hours from discovery to notify,
in writing, the people the data is about and the supervising institution (`NOTIFY_WITHIN`); the
log shows the deadline and whether each notification met it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models

from satuanak.core.sources import Source

NOTIFY_WITHIN = timedelta(hours=72)  # UU 27/2022 Pasal 46 ayat (1): paling lambat 3 x 24 jam


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "terbuka / open"
        CONTAINED = "contained", "tertangani / contained"
        CLOSED = "closed", "selesai / closed"

    class DataKind(models.TextChoices):
        IDENTITY = "identity", "identitas (NIK, nama, alamat)"
        HEALTH = "health", "kesehatan (gizi, imunisasi, KIA)"
        EDUCATION = "education", "pendidikan"
        CIVIL = "civil", "kependudukan (akta, KIA, KK)"
        PROTECTION = "protection", "perlindungan (kasus kekerasan)"
        ACCOUNT = "account", "akun dan kata sandi pengguna"

    discovered_at = models.DateTimeField("diketahui pada")
    occurred_on = models.DateField("terjadi pada", null=True, blank=True)
    title = models.CharField("judul", max_length=200)
    description = models.TextField("uraian")
    data_kinds = models.JSONField("jenis data", default=list)
    sources = models.JSONField("sumber data", default=list)
    children_affected = models.PositiveIntegerField("jumlah anak terdampak")
    others_affected = models.PositiveIntegerField("orang lain terdampak", default=0)
    containment = models.TextField("penanganan", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    authority_notified_at = models.DateTimeField("lembaga diberi tahu", null=True, blank=True)
    subjects_notified_at = models.DateTimeField("subjek data diberi tahu", null=True, blank=True)
    notification_note = models.TextField("catatan pemberitahuan", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = "insiden data"
        verbose_name_plural = "insiden data"

    def __str__(self) -> str:
        return f"insiden #{self.pk}"

    @property
    def notify_by(self) -> datetime:
        return self.discovered_at + NOTIFY_WITHIN

    def notified_in_time(self, at: datetime | None) -> bool | None:
        """None while not notified; else whether it was within the law's 3 x 24 hours."""
        return None if at is None else at <= self.notify_by


# Second part: people's requests about a child's data (UU 27/2022: access, correction, objection).
# The deadlines are data (data/governance/request_deadlines.json); see services.request_deadlines.

GOLDEN_FIELDS: tuple[tuple[str, str, str], ...] = (
    # (key in Child.field_sources, Child attribute, label)
    ("nik", "nik", "NIK"),
    ("kk", "kk_number", "No. KK / family card number"),
    ("name", "name", "nama / name"),
    ("sex", "sex", "jenis kelamin / sex"),
    ("dob", "birth_date", "tanggal lahir / date of birth"),
    ("mother_name", "mother_name", "nama ibu / mother's name"),
    ("desa", "desa", "desa / village"),
)


class SubjectRequest(models.Model):
    """A parent's (or the child's) request, made through an officer, about the child's data."""

    class Kind(models.TextChoices):
        ACCESS = "access", "akses / access"
        CORRECTION = "correction", "perbaikan / correction"
        OBJECTION = "objection", "keberatan / objection"

    class Relationship(models.TextChoices):
        PARENT = "parent", "orang tua / parent"
        GUARDIAN = "guardian", "wali / guardian"
        CHILD = "child", "anak itu sendiri / the child"

    class Status(models.TextChoices):
        OPEN = "open", "terbuka / open"
        ANSWERED = "answered", "dijawab / answered"
        REFUSED = "refused", "ditolak / refused"
        CLOSED = "closed", "selesai / closed"

    kind = models.CharField("jenis", max_length=12, choices=Kind.choices)
    child = models.ForeignKey(
        "persons.Child", on_delete=models.PROTECT, related_name="subject_requests", verbose_name="anak"
    )
    requester_name = models.CharField("nama pemohon", max_length=200)
    relationship = models.CharField("hubungan", max_length=10, choices=Relationship.choices)
    identity_check = models.TextField("cara memeriksa identitas")
    details = models.TextField("isi permintaan", blank=True)
    received_at = models.DateTimeField("diterima pada")
    due_at = models.DateTimeField("batas waktu")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField("hasil", blank=True)
    answered_at = models.DateTimeField("dijawab pada", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "permintaan subjek data"
        verbose_name_plural = "permintaan subjek data"

    def __str__(self) -> str:
        return f"permintaan #{self.pk}"  # no name: __str__ ends up in logs

    def is_overdue(self, now: datetime) -> bool:
        """Still open after the law's deadline."""
        return self.status == self.Status.OPEN and now > self.due_at


class CorrectionItem(models.Model):
    """One value a correction asks to change, routed to the agency whose source gave it."""

    class Status(models.TextChoices):
        PENDING = "pending", "menunggu / pending"
        APPLIED = "applied", "diperbaiki / applied"
        REJECTED = "rejected", "ditolak / rejected"

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField("kolom", max_length=20, choices=[(k, label) for k, _a, label in GOLDEN_FIELDS])
    current_value = models.CharField("nilai sekarang", max_length=200, blank=True)
    requested_value = models.CharField("nilai yang diminta", max_length=200)
    # Child.field_sources[field] when the request was made (SIAK when no source gave the field).
    source = models.CharField("sumber", max_length=20, choices=[(s.value, s.label) for s in Source])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    agency_note = models.TextField("catatan instansi", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request_id", "id"]
        verbose_name = "butir perbaikan"
        verbose_name_plural = "butir perbaikan"

    def __str__(self) -> str:
        return f"perbaikan #{self.pk}"


class DataSharingAgreement(models.Model):
    """A Perbup, PKS or MoU that lets agencies use sources of the platform for named purposes.

    The source of access (ADR 0007): a role reads a source on a child only while an agreement in
    force on that day covers both the source and the user's agency
    (`governance.selectors.sources_for`). A Perbup that binds every agency of the district sets
    `covers_all_agencies`; a PKS between two agencies lists its parties. Ending an agreement early
    sets `ended_on`; nothing is deleted, so the audit log can still say under which agreement a
    look happened.
    """

    class Kind(models.TextChoices):
        PERBUP = "perbup", "Peraturan Bupati"
        PKS = "pks", "Perjanjian Kerja Sama (PKS)"
        MOU = "mou", "Nota Kesepahaman (MoU)"

    number = models.CharField("nomor", max_length=120, unique=True)
    title = models.CharField("judul", max_length=300)
    kind = models.CharField("jenis", max_length=10, choices=Kind.choices)
    legal_basis = models.TextField("dasar hukum")
    covers_all_agencies = models.BooleanField("berlaku bagi semua perangkat daerah", default=False)
    parties = models.ManyToManyField(
        "accounts.Agency", blank=True, related_name="agreements", verbose_name="para pihak"
    )
    sources = models.JSONField("sumber data", default=list)
    purposes = models.JSONField("tujuan yang diizinkan", default=list)
    fields = models.TextField("kolom data yang dibagi", blank=True)
    valid_from = models.DateField("berlaku sejak")
    valid_until = models.DateField("berlaku sampai", null=True, blank=True)  # blank: until ended
    ended_on = models.DateField("diakhiri pada", null=True, blank=True)
    # The signed document (PDF or scan), checked by its bytes and stored by its hash (common/uploads).
    document_stored = models.CharField("dokumen bertanda tangan (berkas)", max_length=200, blank=True)
    document_name = models.CharField("nama dokumen", max_length=200, blank=True)
    document_type = models.CharField("jenis dokumen", max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "number"]
        verbose_name = "perjanjian berbagi data"
        verbose_name_plural = "perjanjian berbagi data"
        constraints = [
            models.CheckConstraint(
                name="agreement_valid_until_after_from",
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"

    def last_day(self) -> date | None:
        """The last day the agreement is in force (None: open-ended)."""
        ends = [d for d in (self.valid_until, self.ended_on) if d is not None]
        return min(ends) if ends else None

    def in_force_on(self, day: date) -> bool:
        last = self.last_day()
        return self.valid_from <= day and (last is None or day <= last)


class RetentionRun(models.Model):
    """One applied retention run (governance/retention_services.py) and the quarters it sealed.

    A run removes records whose children counted in past quarters; recomputing those quarters from
    what remains would change figures already reported (KLA evidence). So a run that removed or
    anonymised anything seals every quarter closed on its day (the quarters before the one holding
    `today`): flags and mutu keep their stored rows of sealed quarters and recompute only the later
    ones (`governance.selectors.sealed_through`). A run that found nothing past seals nothing
    (`sealed_through` blank): nothing it did could change a figure, so late corrections to the
    quarters it would have sealed still count.
    """

    applied_at = models.DateTimeField("dijalankan pada", auto_now_add=True)
    today = models.DateField("tanggal retensi")
    sealed_through = models.CharField("triwulan terkunci sampai", max_length=7, blank=True)  # "2024Q4"
    rules_version = models.CharField("versi aturan", max_length=60)
    records_removed = models.PositiveIntegerField("rekaman dihapus", default=0)
    children_anonymised = models.PositiveIntegerField("anak dianonimkan", default=0)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = "retensi yang dijalankan"
        verbose_name_plural = "retensi yang dijalankan"

    def __str__(self) -> str:
        return f"retensi {self.today.isoformat()} (terkunci s.d. {self.sealed_through or '-'})"
