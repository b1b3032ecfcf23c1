"""Online adminduk applications and schools' collective requests (issue 10, parts 5 and 6).

"Duta Adminduk Sekolah": a school's ambassador gathers the documents of students without an akta
or a KIA and submits them as one `SchoolRequest`; each `SchoolRequestStudent` then goes its own
way at Disdukcapil (states.py) and the school sees each student's state.

"Adminduk Digital di Genggaman": an `OnlineApplication` arrives from the web form, a village
website, a messaging channel or any API client, with its documents; the applicant follows it
by its tracking code only.

Every step is an event (who, when, from which state to which, why). Attachments are stored by
their SHA-256 under MEDIA_ROOT/applications/ (common/uploads.py); the type comes from the bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.applications import states as s

_STATE_CHOICES = [(k, v) for k, v in s.LABELS.items()]
_KIND_CHOICES = list(s.ATTACHMENT_KINDS.items())
_CONTENT_TYPES = ["application/pdf", "image/png", "image/jpeg"]
_CONTENT_CHOICES = [("application/pdf", "PDF"), ("image/png", "PNG"), ("image/jpeg", "JPEG")]


class SchoolRequest(models.Model):
    """One school's collective submission to Disdukcapil."""

    school = models.ForeignKey(
        "facilities.School", on_delete=models.PROTECT, related_name="adminduk_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="school_requests_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        "status", max_length=12, choices=list(s.REQUEST_STATES.items()), default=s.REQUEST_DRAFT
    )
    submitted_at = models.DateTimeField("diajukan", null=True, blank=True)
    closed_at = models.DateTimeField("selesai", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "state"], name="schoolrequest_school_state")]
        constraints = [
            models.CheckConstraint(
                name="schoolrequest_state_known", condition=models.Q(state__in=list(s.REQUEST_STATES))
            ),
            models.CheckConstraint(
                name="schoolrequest_submitted_has_time",
                condition=models.Q(state=s.REQUEST_DRAFT) | models.Q(submitted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"pengajuan sekolah #{self.pk} ({self.state})"


class SchoolRequestStudent(models.Model):
    """A student of the request: what is asked for, where it stands, what was issued."""

    request = models.ForeignKey(SchoolRequest, on_delete=models.CASCADE, related_name="students")
    # PROTECT: work recorded on a child keeps the child through a relink (linkage/services.py).
    child = models.ForeignKey("persons.Child", on_delete=models.PROTECT, related_name="school_requests")
    wants_akta = models.BooleanField("minta akta", default=False)
    wants_kia = models.BooleanField("minta KIA", default=False)
    state = models.CharField("status", max_length=12, choices=_STATE_CHOICES, default=s.DRAFT)
    reason_code = models.CharField("alasan", max_length=30, blank=True)
    note = models.TextField("catatan petugas", blank=True)
    akta_number = models.CharField("nomor akta", max_length=40, blank=True)
    kia_number = models.CharField("nomor KIA", max_length=40, blank=True)
    registry_batch_id = models.PositiveIntegerField("batch SIAK", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "child"], name="schoolrequest_child_once"),
            models.CheckConstraint(
                name="schoolrequest_student_wants_something",
                condition=models.Q(wants_akta=True) | models.Q(wants_kia=True),
            ),
            models.CheckConstraint(
                name="schoolrequest_student_state_known", condition=models.Q(state__in=s.STATES)
            ),
            models.CheckConstraint(
                name="schoolrequest_student_done_has_numbers",
                condition=~models.Q(state=s.DONE)
                | (
                    (models.Q(wants_akta=False) | ~models.Q(akta_number=""))
                    & (models.Q(wants_kia=False) | ~models.Q(kia_number=""))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"siswa #{self.pk} pengajuan #{self.request_id} ({self.state})"  # no name: logs

    @property
    def requested(self) -> tuple[str, ...]:
        return tuple(d for d, on in ((s.AKTA, self.wants_akta), (s.KIA, self.wants_kia)) if on)

    @property
    def state_label(self) -> str:
        return s.label(self.state)


class OnlineApplication(models.Model):
    """An application from outside (no account): the applicant's contact, the child as the
    applicant describes it, what is requested, and where it stands."""

    class Channel(models.TextChoices):
        WEB = "web", "Formulir web / web form"
        VILLAGE_WEBSITE = "village_website", "Website desa / village website"
        WHATSAPP = "whatsapp", "WhatsApp"
        API = "api", "API"

    tracking_code = models.CharField("kode lacak", max_length=16, unique=True)
    channel = models.CharField("saluran", max_length=20, choices=Channel.choices)
    # Contact only: a name to address and a number to call back; nothing else about the applicant.
    applicant_name = models.CharField("nama pemohon", max_length=120)
    applicant_phone = models.CharField("nomor HP pemohon", max_length=16)
    child_name = models.CharField("nama anak", max_length=200)
    child_sex = models.CharField(
        "jenis kelamin anak", max_length=1, choices=[("L", "Laki-laki"), ("P", "Perempuan")]
    )
    child_birth_date = models.DateField("tanggal lahir anak")
    mother_name = models.CharField("nama ibu", max_length=200)
    child_nik = models.CharField("NIK anak (jika ada)", max_length=16, blank=True)
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="online_applications")
    wants_akta = models.BooleanField("minta akta", default=False)
    wants_kia = models.BooleanField("minta KIA", default=False)
    state = models.CharField("status", max_length=12, choices=_STATE_CHOICES, default=s.RECEIVED)
    reason_code = models.CharField("alasan", max_length=30, blank=True)
    note = models.TextField("catatan petugas", blank=True)
    akta_number = models.CharField("nomor akta", max_length=40, blank=True)
    kia_number = models.CharField("nomor KIA", max_length=40, blank=True)
    # The child in the registry once the officer knows it (by NIK); SET_NULL: not work on a child.
    child = models.ForeignKey(
        "persons.Child", on_delete=models.SET_NULL, null=True, blank=True, related_name="online_applications"
    )
    registry_batch_id = models.PositiveIntegerField("batch SIAK", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="onlineapp_queue")]
        constraints = [
            models.CheckConstraint(
                name="onlineapp_wants_something",
                condition=models.Q(wants_akta=True) | models.Q(wants_kia=True),
            ),
            models.CheckConstraint(
                name="onlineapp_state_known",
                condition=models.Q(state__in=[x for x in s.STATES if x != s.DRAFT]),
            ),
            models.CheckConstraint(
                name="onlineapp_channel_known",
                condition=models.Q(channel__in=["web", "village_website", "whatsapp", "api"]),
            ),
            models.CheckConstraint(
                name="onlineapp_done_has_numbers",
                condition=~models.Q(state=s.DONE)
                | (
                    (models.Q(wants_akta=False) | ~models.Q(akta_number=""))
                    & (models.Q(wants_kia=False) | ~models.Q(kia_number=""))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"permohonan daring #{self.pk} ({self.state})"  # no name or code: logs

    @property
    def requested(self) -> tuple[str, ...]:
        return tuple(d for d, on in ((s.AKTA, self.wants_akta), (s.KIA, self.wants_kia)) if on)

    @property
    def state_label(self) -> str:
        return s.label(self.state)

    @property
    def code_display(self) -> str:
        return s.code_display(self.tracking_code)


class _Attachment(models.Model):
    kind = models.CharField("jenis dokumen", max_length=20, choices=_KIND_CHOICES)
    stored_name = models.CharField("berkas tersimpan", max_length=200)  # relative to MEDIA_ROOT
    original_name = models.CharField("nama berkas asli", max_length=255)
    content_type = models.CharField("jenis isi", max_length=40, choices=_CONTENT_CHOICES)
    size_bytes = models.PositiveIntegerField("ukuran")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class SchoolRequestAttachment(_Attachment):
    student = models.ForeignKey(SchoolRequestStudent, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="school_request_attachments"
    )

    class Meta:
        ordering = ["student", "id"]
        constraints = [
            models.CheckConstraint(
                name="schoolrequest_attachment_type_known",
                condition=models.Q(content_type__in=_CONTENT_TYPES),
            ),
            models.CheckConstraint(
                name="schoolrequest_attachment_kind_known",
                condition=models.Q(kind__in=list(s.ATTACHMENT_KINDS)),
            ),
        ]

    def __str__(self) -> str:
        return f"lampiran sekolah #{self.pk} ({self.kind})"


class OnlineApplicationAttachment(_Attachment):
    application = models.ForeignKey(OnlineApplication, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        ordering = ["application", "id"]
        constraints = [
            models.CheckConstraint(
                name="onlineapp_attachment_type_known", condition=models.Q(content_type__in=_CONTENT_TYPES)
            ),
            models.CheckConstraint(
                name="onlineapp_attachment_kind_known", condition=models.Q(kind__in=list(s.ATTACHMENT_KINDS))
            ),
        ]

    def __str__(self) -> str:
        return f"lampiran permohonan #{self.pk} ({self.kind})"


class SchoolRequestEvent(models.Model):
    """One step of a school request: of one student, or (student empty) of the whole request."""

    request = models.ForeignKey(SchoolRequest, on_delete=models.CASCADE, related_name="events")
    student = models.ForeignKey(
        SchoolRequestStudent, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    from_state = models.CharField("dari status", max_length=12, blank=True)
    to_state = models.CharField("ke status", max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="school_request_events"
    )
    at = models.DateTimeField("waktu", default=timezone.now)
    reason_code = models.CharField("alasan", max_length=30, blank=True)
    note = models.TextField("catatan", blank=True)

    class Meta:
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"pengajuan #{self.request_id}: {self.from_state or '-'} → {self.to_state}"


class OnlineApplicationEvent(models.Model):
    """One step of an online application; `by` is empty for the applicant (no account)."""

    application = models.ForeignKey(OnlineApplication, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField("dari status", max_length=12, blank=True)
    to_state = models.CharField("ke status", max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_application_events",
    )
    at = models.DateTimeField("waktu", default=timezone.now)
    reason_code = models.CharField("alasan", max_length=30, blank=True)
    note = models.TextField("catatan", blank=True)

    class Meta:
        ordering = ["application", "at", "id"]
        constraints = [
            models.CheckConstraint(
                name="onlineapp_event_state_known", condition=models.Q(to_state__in=s.STATES)
            )
        ]

    def __str__(self) -> str:
        return f"permohonan #{self.application_id}: {self.from_state or '-'} → {self.to_state}"
