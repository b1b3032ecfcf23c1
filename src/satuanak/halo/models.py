"""Halo Remaja Bengkayang: conversations between an anonymous adolescent and the counsellors on
the rota (seed report 3.2, "Digitalisasi Layanan Konseling").

The model
---------
- `Conversation`: one adolescent's thread. It knows its topic, an optional age band and
  kecamatan (the adolescent's choice), its status (states.py), whether and why it was escalated,
  and the adolescent's consent to a referral with the one contact they chose to leave.
- `Message`: one message, from the adolescent (no author) or from a counsellor/supervisor (the
  author: every answer is attributed).
- `ConversationEvent`: every step (start, reply, answer, escalate, consent, refer, close) with
  who and when; the conversation's status is the last event's `to_status`.
- `Shift`: the rota. A counsellor sees the conversations only while a shift of theirs covers
  the present moment; supervisors always.
- `Handover`: a supervisor's referral of the conversation to a service unit (UPTD PPA, a
  puskesmas), with the consented contact only.
- `RetainedCount`: what is left of conversations after retention (topic, month, escalated yes/no
  and their counts), so the district's statistics survive the purge.

Privacy choices
---------------
Nothing that identifies the adolescent is stored unless they type it: no name, phone, NIK, IP
address, user agent or cookie (the pages set none beyond Django's CSRF token). The return code
is stored only as a keyed hash (services.code_hash): the database alone cannot open a
conversation. Staff are never shown to the adolescent by name. The conversation is not
registered in the Django admin: the data steward runs the platform but does not read
counselling conversations (access/policy.py). After `SATUANAK_HALO_RETENTION_DAYS` from
closing, `satuanak halo purge` deletes the conversation, its messages, events, contact and
handover, and adds it to `RetainedCount`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from satuanak.halo import states as s


class Conversation(models.Model):
    topic = models.CharField("topik", max_length=30, choices=s.TOPICS)
    age_band = models.CharField("kelompok umur", max_length=5, choices=s.AGE_BANDS, blank=True)
    kecamatan = models.ForeignKey(
        "regions.Kecamatan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # HMAC-SHA256 of the return code (services.code_hash); the code itself is never stored.
    code_hash = models.CharField("hash kode", max_length=64, unique=True)
    status = models.CharField("status", max_length=12, choices=s.STATUS_LABELS, default=s.OPEN)
    created_at = models.DateTimeField("dibuka")
    # Since when the adolescent has been waiting for an answer (None: not waiting): the queue's order.
    waiting_since = models.DateTimeField("menunggu sejak", null=True, blank=True)
    first_answered_at = models.DateTimeField("jawaban pertama", null=True, blank=True)
    escalated_at = models.DateTimeField("dieskalasi", null=True, blank=True)
    urgent_reason = models.CharField("alasan mendesak", max_length=20, choices=s.URGENT_REASONS, blank=True)
    # The adolescent's consent to be referred, and the contact they chose to leave (only with consent).
    consent_given = models.BooleanField("setuju dirujuk", default=False)
    consent_at = models.DateTimeField("waktu persetujuan", null=True, blank=True)
    contact = models.CharField("kontak pilihan remaja", max_length=s.MAX_CONTACT, blank=True)
    closed_at = models.DateTimeField("ditutup", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "percakapan Halo Remaja"
        verbose_name_plural = "percakapan Halo Remaja"
        constraints = [
            # A contact without consent would be data kept against the adolescent's choice.
            models.CheckConstraint(
                name="halo_contact_needs_consent", condition=Q(consent_given=True) | Q(contact="")
            )
        ]
        indexes = [
            models.Index(fields=["status", "waiting_since"], name="halo_queue"),
            models.Index(fields=["closed_at"], name="halo_closed"),
        ]

    def __str__(self) -> str:
        return f"Halo #{self.pk} ({self.topic}, {self.status})"

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(
        "pengirim",
        max_length=12,
        choices=[(s.ADOLESCENT, "remaja"), (s.COUNSELLOR, "konselor"), (s.SUPERVISOR, "supervisor")],
    )
    # The staff member who wrote it; None for the adolescent.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField("isi")
    at = models.DateTimeField("waktu")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "pesan Halo Remaja"
        verbose_name_plural = "pesan Halo Remaja"
        constraints = [
            models.CheckConstraint(
                name="halo_message_staff_has_author",
                condition=Q(sender=s.ADOLESCENT, author__isnull=True)
                | (~Q(sender=s.ADOLESCENT) & Q(author__isnull=False)),
            )
        ]

    def __str__(self) -> str:  # never the text: a log line or an error page must not show it
        return f"Halo #{self.conversation_id} {self.sender} {self.at:%Y-%m-%d %H:%M}"


class ConversationEvent(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("tindakan", max_length=12)  # states.START, .REPLY, ..., "consent"
    actor = models.CharField("pelaku", max_length=12)  # states.ADOLESCENT, COUNSELLOR, SUPERVISOR, SYSTEM
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField("dari", max_length=12, blank=True)
    to_status = models.CharField("ke", max_length=12)
    at = models.DateTimeField("waktu")
    note = models.CharField("keterangan", max_length=200, blank=True)  # a reason code, a unit's code

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "langkah percakapan"
        verbose_name_plural = "langkah percakapan"

    def __str__(self) -> str:
        return f"Halo #{self.conversation_id} {self.action} {self.from_status}->{self.to_status}"


class Shift(models.Model):
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="halo_shifts",
        verbose_name="konselor",
    )
    starts_at = models.DateTimeField("mulai")
    ends_at = models.DateTimeField("selesai")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("dibuat")

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "jadwal jaga"
        verbose_name_plural = "jadwal jaga"
        constraints = [
            models.CheckConstraint(
                name="halo_shift_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            )
        ]
        indexes = [models.Index(fields=["counsellor", "starts_at", "ends_at"], name="halo_shift_cover")]

    def __str__(self) -> str:
        return f"{self.counsellor} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M}"


class Handover(models.Model):
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="handover")
    unit = models.ForeignKey("referrals.ServiceUnit", on_delete=models.PROTECT, related_name="+")
    # Copied from the conversation at the moment of handover: what the adolescent consented to share.
    contact = models.CharField("kontak", max_length=s.MAX_CONTACT, blank=True)
    note = models.TextField("catatan untuk unit", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("waktu")

    class Meta:
        verbose_name = "rujukan Halo Remaja"
        verbose_name_plural = "rujukan Halo Remaja"

    def __str__(self) -> str:
        return f"Halo #{self.conversation_id} -> {self.unit_id}"


class RetainedCount(models.Model):
    """Counts of purged conversations: all the statistics keep of them."""

    month = models.DateField("bulan")  # the first day of the month the conversation was opened
    topic = models.CharField("topik", max_length=30, choices=s.TOPICS)
    escalated = models.BooleanField("dieskalasi")
    conversations = models.PositiveIntegerField("percakapan", default=0)
    answered_24h = models.PositiveIntegerField("dijawab dalam 24 jam", default=0)
    referred = models.PositiveIntegerField("dirujuk", default=0)

    class Meta:
        ordering = ["month", "topic", "escalated"]
        verbose_name = "hitungan tersimpan"
        verbose_name_plural = "hitungan tersimpan"
        constraints = [
            models.UniqueConstraint(fields=["month", "topic", "escalated"], name="halo_retained_one_row")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.topic} escalated={self.escalated}: {self.conversations}"
