"""The audit log: one append-only row per look at personal data, export, import, decision,
change and denial (UU 27/2022 PDP asks that processing of children's data be accountable).

Append-only is enforced twice: the model and its QuerySet refuse update and delete in the
application, and a database trigger (migration 0002) refuses UPDATE on every backend and
DELETE on PostgreSQL. SQLite keeps no DELETE trigger because Django's test flush empties
tables with DELETE there; PostgreSQL flushes with TRUNCATE, which the row trigger does not see.

This app imports no other domain app (kpi's lesson): the actor is a foreign key by settings
name, and the subject is a type and an id, not a foreign key.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    CHILD_VIEWED = "child_viewed", "Membuka halaman anak"
    CHILD_LIST_VIEWED = "child_list_viewed", "Membuka daftar anak"
    NIK_REVEALED = "nik_revealed", "Membuka NIK/KK tanpa sensor"
    EXPORTED = "exported", "Mengekspor data"
    FILE_DOWNLOADED = "file_downloaded", "Mengunduh berkas (laporan galat, bukti)"
    IMPORT_RUN = "import_run", "Menjalankan impor"
    IMPORT_VIEWED = "import_viewed", "Membuka hasil impor (baris ditolak)"
    REVIEW_DECIDED = "review_decided", "Memutuskan tinjauan penautan"
    REVIEW_VIEWED = "review_viewed", "Membuka pasangan tinjauan penautan"
    LINKAGE_RUN = "linkage_run", "Menjalankan penautan"
    RECORD_CHANGED = "record_changed", "Mengubah data"
    USER_CHANGED = "user_changed", "Mengubah pengguna / peran / wilayah"
    USER_REVOKED = "user_revoked", "Mencabut akses pengguna"
    LOGIN = "login", "Masuk"
    LOGIN_FAILED = "login_failed", "Gagal masuk"
    LOGOUT = "logout", "Keluar"
    AUDIT_VIEWED = "audit_viewed", "Membuka log audit"
    ACCESS_DENIED = "access_denied", "Akses ditolak"
    PRAP_VIEWED = "prap_viewed", "Membuka halaman PRAP (penilaian puskesmas)"
    ADOLESCENT_VIEWED = "adolescent_viewed", "Membuka data remaja (PKPR, Posyandu Remaja, anemia, TTD)"
    HALO_VIEWED = "halo_viewed", "Membuka percakapan Halo Remaja"
    PREVENTION_VIEWED = "prevention_viewed", "Membuka data CEGAH DINI (Bimwin, MPLS)"
    PARTICIPATION_VIEWED = "participation_viewed", "Membuka laporan Forum Anak (2P) / usulan Musrenbang"
    PARTNERSHIP_VIEWED = "partnership_viewed", "Membuka data IKM, APSAI atau pendanaan program"
    DEVICE_SYNCED = "device_synced", "Sinkronisasi perangkat lapangan"
    DEVICE_WIPED = "device_wiped", "Perintah hapus data ke perangkat yang dicabut"
    BACKUP_CREATED = "backup_created", "Membuat arsip cadangan"
    BACKUP_RESTORED = "backup_restored", "Memulihkan platform dari arsip cadangan"
    QUALITY_VIEWED = "quality_viewed", "Membuka mutu data pengukuran dan cakupan penimbangan"
    GOVERNANCE_VIEWED = "governance_viewed", "Membuka tata kelola data (insiden, permintaan, perjanjian)"
    PURPOSE_CHOSEN = "purpose_chosen", "Memilih tujuan akses untuk sesi kerja"
    AGREEMENT_CHANGED = "agreement_changed", "Mencatat atau mengakhiri perjanjian berbagi data"
    RETENTION_RUN = "retention_run", "Menjalankan retensi (menghapus/menganonimkan data lewat masa simpan)"


# Entries that are a look at (or a copy of) personal data: they carry the purpose chosen for the
# working session (audit/services.py), and the per-agency purpose report counts them.
PERSONAL_DATA_LOOKS = frozenset(
    {
        AuditAction.CHILD_VIEWED,
        AuditAction.CHILD_LIST_VIEWED,
        AuditAction.NIK_REVEALED,
        AuditAction.EXPORTED,
        AuditAction.FILE_DOWNLOADED,
        AuditAction.IMPORT_VIEWED,
        AuditAction.REVIEW_VIEWED,
        AuditAction.REVIEW_DECIDED,
        AuditAction.ADOLESCENT_VIEWED,
        AuditAction.HALO_VIEWED,
        AuditAction.PARTICIPATION_VIEWED,
    }
)


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry through the application."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Log audit tidak dapat diubah / the audit log cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Log audit tidak dapat dihapus / the audit log cannot be deleted")


class AuditEvent(models.Model):
    at = models.DateTimeField("waktu", default=timezone.now, db_index=True)
    # The user, kept even if the account is later removed: username and role are copied.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, blank=True, db_constraint=False
    )
    actor_username = models.CharField("pengguna", max_length=150, blank=True, db_index=True)
    actor_role = models.CharField("peran", max_length=40, blank=True)
    action = models.CharField("tindakan", max_length=30, choices=AuditAction.choices, db_index=True)
    subject_type = models.CharField("jenis subjek", max_length=40, blank=True)
    subject_id = models.CharField("id subjek", max_length=64, blank=True, db_index=True)
    desa_code = models.CharField("kode desa", max_length=13, blank=True)
    purpose = models.CharField("tujuan", max_length=300, blank=True)
    ip = models.GenericIPAddressField("alamat IP", null=True, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField("alamat halaman", max_length=500, blank=True)
    detail = models.JSONField("rincian", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "entri audit"
        verbose_name_plural = "log audit"
        # Reports read some actions over a date range (the per-agency purpose report): without this
        # the planner takes the action index and scans every look since the log began.
        indexes = [models.Index(fields=["action", "at"], name="audit_action_at")]

    def __str__(self) -> str:
        subject = f"{self.subject_type}:{self.subject_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Log audit tidak dapat diubah / the audit log cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Log audit tidak dapat dihapus / the audit log cannot be deleted")
