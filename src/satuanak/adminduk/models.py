"""Birth declarations from health facilities ("3-in-1 di Ujung Wie") and the documents issued.

A `BirthDeclaration` is made by a facility's birth operator (for the operator's agency) and
carries the baby, the parents (their NIK looked up in the staged SIAK rows, or entered by hand
when not found), the family card and the `DeclarationAttachment`s. Every step is a
`DeclarationEvent`. `IssuedDocuments` holds what Disdukcapil issued (birth certificate number,
KIA, family card) with the data printed on them, so the PDFs are made on demand and the same
record serves documents issued without a declaration (a school's collective request, an online
application). Rules of the steps live in states.py, the writes in services.py.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.adminduk import states as s


class BirthDeclaration(models.Model):
    class Sex(models.TextChoices):
        MALE = "L", "Laki-laki / male"
        FEMALE = "P", "Perempuan / female"

    class State(models.TextChoices):
        SUBMITTED = s.SUBMITTED, "Diajukan / submitted"
        RETURNED = s.RETURNED, "Dikembalikan / returned"
        VERIFIED = s.VERIFIED, "Terverifikasi / verified"
        ISSUED = s.ISSUED, "Terbit / issued"
        REJECTED = s.REJECTED, "Ditolak / rejected"

    facility = models.ForeignKey(
        "facilities.HealthFacility", on_delete=models.PROTECT, related_name="birth_declarations"
    )
    # The operator's agency: its users see (only) its declarations.
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="birth_declarations")
    baby_name = models.CharField("nama bayi", max_length=200)
    baby_sex = models.CharField("jenis kelamin", max_length=1, choices=Sex.choices)
    birth_at = models.DateTimeField("waktu lahir")
    birth_place = models.CharField("tempat lahir", max_length=100)
    weight_g = models.PositiveIntegerField("berat lahir (gram)")
    length_cm = models.DecimalField("panjang lahir (cm)", max_digits=4, decimal_places=1)
    multiple_birth = models.BooleanField("kelahiran kembar", default=False)
    mother_nik = models.CharField("NIK ibu", max_length=16)
    mother_name = models.CharField("nama ibu", max_length=200)
    mother_in_siak = models.BooleanField("ibu ditemukan di SIAK", default=False)
    mother_birth_date = models.DateField("tanggal lahir ibu", null=True, blank=True)
    father_nik = models.CharField("NIK ayah", max_length=16, blank=True)
    father_name = models.CharField("nama ayah", max_length=200, blank=True)
    father_in_siak = models.BooleanField("ayah ditemukan di SIAK", default=False)
    kk_number = models.CharField("No. KK", max_length=16, blank=True)  # blank: a new family card
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="birth_declarations")
    address = models.CharField("alamat", max_length=200, blank=True)
    state = models.CharField("status", max_length=10, choices=State.choices, default=State.SUBMITTED)
    tracking_code = models.CharField("kode lacak", max_length=s.TRACKING_LENGTH, unique=True)
    warnings = models.JSONField("peringatan", default=list, blank=True)
    note = models.TextField("catatan", blank=True)
    submitted_at = models.DateTimeField("terakhir diajukan")
    due_on = models.DateField("batas layanan")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="birth_declarations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="declaration_queue"),
            models.Index(fields=["mother_nik"], name="declaration_mother"),
            models.Index(fields=["agency", "created_at"], name="declaration_agency"),
        ]
        constraints = [
            models.CheckConstraint(name="declaration_state_known", condition=models.Q(state__in=s.STATES)),
            models.CheckConstraint(name="declaration_sex_known", condition=models.Q(baby_sex__in=["L", "P"])),
        ]

    def __str__(self) -> str:
        return f"laporan kelahiran #{self.pk} ({self.state})"  # no names: __str__ ends up in logs

    @property
    def birth_date(self) -> date:
        return timezone.localtime(self.birth_at).date()

    def is_overdue_on(self, today: date) -> bool:
        return s.is_overdue(self.state, self.due_on, today)


class DeclarationAttachment(models.Model):
    """A scan sent with a declaration, stored under MEDIA_ROOT/adminduk/ by its SHA-256."""

    class Kind(models.TextChoices):
        BIRTH_LETTER = "birth_letter", "Surat keterangan lahir / birth letter"
        MOTHER_ID = "mother_id", "KTP ibu / mother's ID"
        FATHER_ID = "father_id", "KTP ayah / father's ID"
        MARRIAGE_BOOK = "marriage_book", "Buku nikah / marriage book"
        FAMILY_CARD = "family_card", "Kartu keluarga / family card"
        OTHER = "other", "Lainnya / other"

    declaration = models.ForeignKey(BirthDeclaration, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    stored_name = models.CharField("berkas tersimpan", max_length=200)
    original_name = models.CharField("nama berkas asli", max_length=255)
    content_type = models.CharField("jenis isi", max_length=40)
    size_bytes = models.PositiveIntegerField("ukuran")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declaration_attachments"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["declaration", "id"]
        constraints = [
            models.CheckConstraint(
                name="declaration_attachment_type_known",
                condition=models.Q(content_type__in=["application/pdf", "image/png", "image/jpeg"]),
            )
        ]

    def __str__(self) -> str:
        return f"lampiran #{self.pk} ({self.kind})"


class DeclarationEvent(models.Model):
    """One step: who moved the declaration from which state to which, when, and why."""

    declaration = models.ForeignKey(BirthDeclaration, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField("dari status", max_length=10, blank=True)
    to_state = models.CharField("ke status", max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declaration_events"
    )
    at = models.DateTimeField("waktu", default=timezone.now)
    reasons = models.TextField("alasan / catatan", blank=True)

    class Meta:
        ordering = ["declaration", "at", "id"]
        constraints = [
            models.CheckConstraint(
                name="declaration_event_state_known", condition=models.Q(to_state__in=s.STATES)
            )
        ]

    def __str__(self) -> str:
        return f"laporan #{self.declaration_id}: {self.from_state or '-'} → {self.to_state}"


class IssuedDocuments(models.Model):
    """What Disdukcapil issued for one child, with the data printed on the documents."""

    declaration = models.OneToOneField(
        BirthDeclaration, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    child_nik = models.CharField("NIK anak", max_length=16, db_index=True)
    child_name = models.CharField("nama anak", max_length=200)
    sex = models.CharField("jenis kelamin", max_length=1)
    birth_date = models.DateField("tanggal lahir")
    birth_place = models.CharField("tempat lahir", max_length=100)
    mother_name = models.CharField("nama ibu", max_length=200)
    mother_nik = models.CharField("NIK ibu", max_length=16, blank=True)
    father_name = models.CharField("nama ayah", max_length=200, blank=True)
    father_nik = models.CharField("NIK ayah", max_length=16, blank=True)
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="issued_documents")
    akta_number = models.CharField("No. akta kelahiran", max_length=30, blank=True)
    kia_number = models.CharField("No. KIA", max_length=16, blank=True)  # the KIA carries the NIK
    kk_number = models.CharField("No. KK", max_length=16, blank=True)
    issued_on = models.DateField("tanggal terbit")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_documents"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    import_batch_id = models.PositiveIntegerField("batch SIAK", null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name_plural = "issued documents"
        constraints = [
            models.UniqueConstraint(
                fields=["akta_number"], condition=~models.Q(akta_number=""), name="issued_akta_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"dokumen terbit #{self.pk}"
