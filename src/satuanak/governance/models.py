"""Data governance under the PDP law (UU 27/2022). First part: the breach and incident log.

An incident is recorded when it is discovered: what happened, which kinds of data and sources it
touched, how many children (and others), what was done to contain it, and whom the district
notified and when. UU 27/2022 art. 46 gives the controller 3 × 24 hours from discovery to notify,
in writing, the people the data is about and the supervising institution (`NOTIFY_WITHIN`); the
log shows the deadline and whether each notification met it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
