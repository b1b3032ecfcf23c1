"""Field devices and what they sent.

A *device* is one phone (or tablet) registered by one user. It holds an API token of its own
(interop/tokens.py): the device acts as its user, with that user's role, area and audit trail.
Revoking the device revokes the token, and the next time the phone makes contact the server
answers "revoked", upon which the app deletes everything it holds (its encryption key first).

A *sync record* is the server's ledger of what each device sent, keyed by the client's own
UUID. It makes sending idempotent: the phone may send the same record as often as a bad link
makes it (a lost answer, a retry, a restart), the work is done once and the same answer is
given each time. The ledger keeps the answer, not the data: the record's content is kept only
while it is an unresolved conflict (a person has to decide it), and then only until decided.

A *sync attachment* is a photo of a document, uploaded on its own before the record naming it,
so that a large file over a satellite link never holds back the small records, and a broken
upload is retried alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.interop.models import ApiToken
from satuanak.persons.models import Child
from satuanak.regions.models import Desa


class Device(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="field_devices")
    label = models.CharField("nama perangkat", max_length=100)
    token = models.OneToOneField(ApiToken, on_delete=models.PROTECT, related_name="device")
    registered_at = models.DateTimeField("didaftarkan", default=timezone.now)
    last_contact_at = models.DateTimeField("kontak terakhir", null=True, blank=True)
    last_sync_at = models.DateTimeField("sinkron terakhir", null=True, blank=True)
    # What the phone said was still waiting in its outbox at its last contact: a supervisor sees
    # a phone whose records are stuck before anybody asks where the weighing went.
    queued_on_device = models.PositiveIntegerField("antrean di perangkat", default=0)
    app_version = models.CharField("versi aplikasi", max_length=40, blank=True)
    revoked_at = models.DateTimeField("dicabut", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField("alasan pencabutan", max_length=200, blank=True)
    wipe_sent_at = models.DateTimeField("perintah hapus terkirim", null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = "perangkat lapangan"
        verbose_name_plural = "perangkat lapangan"

    def __str__(self) -> str:
        return f"perangkat #{self.pk}"


class SyncRecord(models.Model):
    class Kind(models.TextChoices):
        MEASUREMENT = "measurement", "Penimbangan / pengukuran"
        INTERVENTION = "intervention", "Intervensi / PMT"
        VISIT = "visit", "Kunjungan unit keliling"
        DECLARATION = "declaration", "Laporan kelahiran"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Diterima"
        DUPLICATE = "duplicate", "Sudah ada di server (tidak dicatat dua kali)"
        REJECTED = "rejected", "Ditolak"
        CONFLICT = "conflict", "Konflik: menunggu keputusan"
        KEPT_SERVER = "kept_server", "Konflik diputuskan: nilai server tetap"
        TOOK_DEVICE = "took_device", "Konflik diputuskan: nilai perangkat dipakai"

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="records")
    client_id = models.UUIDField("id dari perangkat")
    seq = models.PositiveBigIntegerField("urutan di perangkat")
    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    payload_sha256 = models.CharField(max_length=64)
    recorded_at = models.DateTimeField("dicatat di perangkat", null=True, blank=True)
    received_at = models.DateTimeField("diterima server", default=timezone.now)
    status = models.CharField("status", max_length=20, choices=Status.choices, db_index=True)
    message_id = models.TextField("pesan", blank=True)
    message_en = models.TextField("message", blank=True)
    # What the server made of it (ids, batch, tracking code; a measurement's values, for the
    # conflict check of records that come later): what the phone is told and nothing more.
    result = models.JSONField("hasil", default=dict, blank=True)
    # Set for records about one child (measurements, interventions): scope of the conflict list.
    child = models.ForeignKey(Child, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    desa = models.ForeignKey(Desa, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    observed_on = models.DateField("tanggal kegiatan", null=True, blank=True)
    # Only while a conflict waits for a decision: the values the phone sent (then emptied).
    payload = models.JSONField("isi (hanya selama konflik)", default=dict, blank=True)
    conflict = models.JSONField("konflik", default=dict, blank=True)
    resolved_at = models.DateTimeField("diputuskan", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["device", "seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "client_id"], name="syncrecord_once_per_device")
        ]
        indexes = [models.Index(fields=["child", "observed_on"], name="syncrecord_child_day")]
        verbose_name = "rekaman sinkron"
        verbose_name_plural = "rekaman sinkron"

    def __str__(self) -> str:
        return f"sinkron #{self.pk} ({self.kind}, {self.status})"


class SyncAttachment(models.Model):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="attachments")
    client_id = models.UUIDField("id dari perangkat")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField("ukuran (byte)")
    content_type = models.CharField(max_length=50)
    # Emptied once the record that names it is saved (the declaration keeps its own copy).
    file = models.FileField(upload_to="lapangan/lampiran/", blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    used_by = models.ForeignKey(
        SyncRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )

    class Meta:
        ordering = ["device", "received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "client_id"], name="syncattachment_once_per_device")
        ]
        verbose_name = "lampiran sinkron"
        verbose_name_plural = "lampiran sinkron"

    def __str__(self) -> str:
        return f"lampiran #{self.pk}"
