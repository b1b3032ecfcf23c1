"""Puskesmas Ramah Anak (PRAP, child-friendly puskesmas): the standard, self-assessments,
review, certification and children's voice (issue 9).

The standard is data: a `StandardVersion` has components and items, each item saying what
evidence it needs and whether it is required. A published version never changes: editing it
makes a new draft version (a copy), which a health officer edits and publishes; assessments
keep the version they started from.

An `Assessment` is one puskesmas's checklist against one version; its `AssessmentItem`s carry
the puskesmas's answer, the reviewer's verdict and the puskesmas's reply to a returned item;
`Evidence` files hang on items. Every state change is an `AssessmentEvent`. The rules of the
states live in states.py, the writes in services.py. `VoiceSurvey` is a Forum Anak member's
short survey about a puskesmas: scores and an age group, never a child's name.

These tables are about facilities, not children: no row here points to a child.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.prap import states as s


class StandardVersion(models.Model):
    number = models.PositiveIntegerField("versi", unique=True)
    title = models.CharField("judul", max_length=200)
    valid_from = models.DateField("berlaku sejak", null=True, blank=True)
    published = models.BooleanField("diterbitkan", default=False)
    published_at = models.DateTimeField("waktu terbit", null=True, blank=True)
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = "versi standar PRAP"
        verbose_name_plural = "versi standar PRAP"
        constraints = [
            models.CheckConstraint(
                name="prap_published_version_has_date",
                condition=models.Q(published=False) | models.Q(valid_from__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"


class StandardComponent(models.Model):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="components")
    code = models.CharField("kode", max_length=20)
    name_id = models.CharField("nama", max_length=200)
    name_en = models.CharField("name (English)", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("urutan", default=0)

    class Meta:
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="prap_component_code_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_id}"


class StandardItem(models.Model):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="items")
    component = models.ForeignKey(StandardComponent, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("kode", max_length=20)
    text_id = models.TextField("butir")
    text_en = models.TextField("item (English)", blank=True)
    evidence_id = models.TextField("bukti yang diperlukan", blank=True)
    evidence_en = models.TextField("evidence needed (English)", blank=True)
    required = models.BooleanField("wajib", default=True)
    order = models.PositiveSmallIntegerField("urutan", default=0)

    class Meta:
        ordering = ["version", "component__order", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="prap_item_code_per_version")]

    def __str__(self) -> str:
        return f"{self.code} {self.text_id[:60]}"


class Assessment(models.Model):
    class State(models.TextChoices):
        DRAFT = s.DRAFT, s.STATE_LABELS[s.DRAFT]
        SUBMITTED = s.SUBMITTED, s.STATE_LABELS[s.SUBMITTED]
        RETURNED = s.RETURNED, s.STATE_LABELS[s.RETURNED]
        CERTIFIED = s.CERTIFIED, s.STATE_LABELS[s.CERTIFIED]
        EXPIRED = s.EXPIRED, s.STATE_LABELS[s.EXPIRED]
        REVOKED = s.REVOKED, s.STATE_LABELS[s.REVOKED]

    facility = models.ForeignKey(
        "facilities.HealthFacility", on_delete=models.PROTECT, related_name="prap_assessments"
    )
    version = models.ForeignKey(StandardVersion, on_delete=models.PROTECT, related_name="assessments")
    state = models.CharField("status", max_length=12, choices=State.choices, default=State.DRAFT)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField("diajukan", null=True, blank=True)
    certified_on = models.DateField("tanggal sertifikasi", null=True, blank=True)
    valid_until = models.DateField("berlaku sampai", null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certificate_number = models.CharField("nomor sertifikat", max_length=40, blank=True)
    ended_on = models.DateField("berakhir (kedaluwarsa / dicabut)", null=True, blank=True)
    end_reason = models.TextField("alasan berakhir", blank=True)

    class Meta:
        ordering = ["facility", "-id"]
        verbose_name = "penilaian PRAP"
        verbose_name_plural = "penilaian PRAP"
        constraints = [
            models.CheckConstraint(
                name="prap_assessment_state_known", condition=models.Q(state__in=s.STATES)
            ),
            models.UniqueConstraint(
                fields=["facility"],
                condition=models.Q(state__in=sorted(s.LIVE)),
                name="prap_one_live_assessment_per_facility",
            ),
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="prap_certificate_number_unique",
            ),
            models.CheckConstraint(
                name="prap_certified_has_dates_and_number",
                condition=~models.Q(state__in=[s.CERTIFIED, s.EXPIRED, s.REVOKED])
                | (
                    models.Q(certified_on__isnull=False, valid_until__isnull=False)
                    & ~models.Q(certificate_number="")
                ),
            ),
            models.CheckConstraint(
                name="prap_ended_has_date_and_reason",
                condition=~models.Q(state__in=[s.EXPIRED, s.REVOKED])
                | (models.Q(ended_on__isnull=False) & ~models.Q(end_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"PRAP #{self.pk} {self.facility_id} ({self.state})"


class AssessmentItem(models.Model):
    class Answer(models.TextChoices):
        UNANSWERED = s.UNANSWERED, "Belum dijawab / not answered"
        YES = s.YES, "Ya / yes"
        NO = s.NO, "Tidak / no"

    class Verdict(models.TextChoices):
        PENDING = s.PENDING, s.VERDICT_LABELS[s.PENDING]
        MET = s.MET, s.VERDICT_LABELS[s.MET]
        NOT_MET = s.NOT_MET, s.VERDICT_LABELS[s.NOT_MET]
        MORE_EVIDENCE = s.MORE_EVIDENCE, s.VERDICT_LABELS[s.MORE_EVIDENCE]

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField("jawaban", max_length=3, choices=Answer.choices, blank=True, default="")
    note = models.TextField("catatan puskesmas", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField("verifikasi", max_length=14, choices=Verdict.choices, default=Verdict.PENDING)
    review_comment = models.TextField("komentar peninjau", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField("jawaban atas pengembalian", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "item__component__order", "item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="prap_item_once_per_assessment"),
            models.CheckConstraint(name="prap_answer_known", condition=models.Q(answer__in=s.ANSWERS)),
            models.CheckConstraint(name="prap_verdict_known", condition=models.Q(verdict__in=s.VERDICTS)),
        ]

    def __str__(self) -> str:
        return f"PRAP #{self.assessment_id} {self.item_id}: {self.answer or '-'} / {self.verdict}"


class Evidence(models.Model):
    """A photo or PDF for one item, stored under MEDIA_ROOT/prap/ by its SHA-256; the type was
    read from the bytes. Served only through the scoped download views."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        PNG = "image/png", "PNG"
        JPEG = "image/jpeg", "JPEG"

    assessment_item = models.ForeignKey(AssessmentItem, on_delete=models.CASCADE, related_name="evidence")
    stored_name = models.CharField("berkas tersimpan", max_length=200)
    original_name = models.CharField("nama berkas asli", max_length=255)
    content_type = models.CharField("jenis isi", max_length=40, choices=ContentType.choices)
    size_bytes = models.PositiveIntegerField("ukuran")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment_item", "id"]
        verbose_name = "bukti PRAP"
        verbose_name_plural = "bukti PRAP"
        constraints = [
            models.CheckConstraint(
                name="prap_evidence_type_known",
                condition=models.Q(content_type__in=["application/pdf", "image/png", "image/jpeg"]),
            ),
            models.CheckConstraint(name="prap_evidence_not_empty", condition=models.Q(size_bytes__gt=0)),
        ]

    def __str__(self) -> str:
        return f"bukti #{self.pk} ({self.content_type})"

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg")


class AssessmentEvent(models.Model):
    """One step of an assessment: who moved it from which state to which, when, and why.
    `by` is empty for the nightly expiry."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField("dari", max_length=12, blank=True)
    to_state = models.CharField("ke", max_length=12)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField("catatan", blank=True)

    class Meta:
        ordering = ["assessment", "at", "id"]
        constraints = [
            models.CheckConstraint(name="prap_event_state_known", condition=models.Q(to_state__in=s.STATES))
        ]

    def __str__(self) -> str:
        return f"PRAP #{self.assessment_id}: {self.from_state or '-'} → {self.to_state}"


# Five questions a Forum Anak member asks a child after a visit, answered on a smiley scale
# 1 (very sad face) .. 5 (big smile). (field, Bahasa Indonesia for children, English)
VOICE_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "q_friendly",
        "Apakah petugas puskesmas ramah dan mau mendengarkanmu?",
        "Were the staff kind and did they listen?",
    ),
    (
        "q_play",
        "Apakah ada tempat bermain yang aman dan menyenangkan?",
        "Was there a safe, fun place to play?",
    ),
    ("q_clean", "Apakah ruangan dan toiletnya bersih?", "Were the rooms and the toilet clean?"),
    (
        "q_explain",
        "Apakah penjelasan petugas mudah kamu pahami?",
        "Did you understand what the staff told you?",
    ),
    (
        "q_safe",
        "Apakah kamu merasa aman dan nyaman di puskesmas?",
        "Did you feel safe and comfortable there?",
    ),
)
SMILEYS: tuple[tuple[int, str, str], ...] = (
    (1, "😢", "sangat tidak / not at all"),
    (2, "🙁", "tidak / no"),
    (3, "😐", "biasa saja / so-so"),
    (4, "🙂", "ya / yes"),
    (5, "😄", "sangat ya / very much"),
)


class VoiceSurvey(models.Model):
    class AgeGroup(models.TextChoices):
        UNDER_10 = "6-9", "6–9 tahun"
        TEN_12 = "10-12", "10–12 tahun"
        THIRTEEN_15 = "13-15", "13–15 tahun"
        SIXTEEN_17 = "16-17", "16–17 tahun"

    facility = models.ForeignKey(
        "facilities.HealthFacility", on_delete=models.PROTECT, related_name="prap_voice_surveys"
    )
    surveyed_on = models.DateField("tanggal")
    age_group = models.CharField("kelompok umur", max_length=5, choices=AgeGroup.choices)
    q_friendly = models.PositiveSmallIntegerField()
    q_play = models.PositiveSmallIntegerField()
    q_clean = models.PositiveSmallIntegerField()
    q_explain = models.PositiveSmallIntegerField()
    q_safe = models.PositiveSmallIntegerField()
    comment = models.CharField("komentar", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["facility", "-surveyed_on", "-id"]
        verbose_name = "suara anak (survei)"
        verbose_name_plural = "suara anak (survei)"
        constraints = [
            *[
                models.CheckConstraint(
                    name=f"prap_voice_{field}_1_to_5",
                    condition=models.Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
                )
                for field, _, _ in VOICE_QUESTIONS
            ],
            models.CheckConstraint(
                name="prap_voice_age_group_known",
                condition=models.Q(age_group__in=["6-9", "10-12", "13-15", "16-17"]),
            ),
        ]

    def __str__(self) -> str:
        return f"suara anak #{self.pk} ({self.facility_id}, {self.surveyed_on})"
