"""CEGAH DINI's records: the KUA (one per kecamatan, the Bimwin venue) and the prevention sessions.

A session is either a Bimbingan Perkawinan (Bimwin) for brides- and grooms-to-be at a KUA, or an
MPLS session (the new-pupil orientation week) at a junior secondary school (SMP/MTs). What the
seed asks for is the *health module* (reproductive health, the risks of early pregnancy,
pre-conception nutrition, parenting) delivered by the puskesmas inside those sessions, so a session
says whether that module was given; only such sessions count towards coverage (coverage.py).

No personal data: participants are counts by sex, facilitators are staff named in their role.
The venue is one of two foreign keys, and the database refuses a session whose venue does not
match its kind (a Bimwin at a school, an MPLS at a KUA) or that has both or neither.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from satuanak.facilities.models import School
from satuanak.regions.models import Kecamatan


class Kua(models.Model):
    """A Kantor Urusan Agama; the list is derived (data/cegah/README.md), hence `is_verified`."""

    code = models.CharField("kode", max_length=20, unique=True)
    name = models.CharField("nama", max_length=150)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="kua_set")
    is_verified = models.BooleanField("diperiksa dengan Kemenag", default=False)

    class Meta:
        ordering = ["kecamatan__code", "code"]
        verbose_name = "KUA"
        verbose_name_plural = "KUA"

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    class Kind(models.TextChoices):
        BIMWIN = "bimwin", "Bimwin (calon pengantin) / pre-marriage guidance"
        MPLS = "mpls", "MPLS SMP/MTs / school orientation week"

    kind = models.CharField("jenis", max_length=10, choices=Kind.choices)
    date = models.DateField("tanggal")
    kua = models.ForeignKey(Kua, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="cegah_sessions"
    )
    # Derived from the date by the service (July-June); stored so lists filter without date maths.
    school_year = models.CharField("tahun ajaran", max_length=9, db_index=True)
    health_module = models.BooleanField("modul kesehatan (puskesmas)", default=False)
    participants_female = models.PositiveIntegerField("peserta perempuan", default=0)
    participants_male = models.PositiveIntegerField("peserta laki-laki", default=0)
    facilitators = models.TextField("narasumber (nama/peran - instansi, satu per baris)", blank=True)
    notes = models.TextField("catatan", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField("dicatat", default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["kind", "date"], name="cegah_session_kind_date")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="bimwin", kua__isnull=False, school__isnull=True))
                | (Q(kind="mpls", school__isnull=False, kua__isnull=True)),
                name="cegah_session_venue_matches_kind",
            ),
            # The service refuses 5000 or more (a typing error); the database agrees.
            models.CheckConstraint(
                condition=Q(participants_female__lt=5000, participants_male__lt=5000),
                name="cegah_session_participants_plausible",
            ),
        ]
        verbose_name = "sesi CEGAH DINI"
        verbose_name_plural = "sesi CEGAH DINI"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date} {self.venue_name}"

    @property
    def venue_name(self) -> str:
        venue = self.kua if self.kind == self.Kind.BIMWIN else self.school
        return venue.name if venue is not None else "-"

    @property
    def kecamatan_id(self) -> int | None:
        venue = self.kua if self.kind == self.Kind.BIMWIN else self.school
        return venue.kecamatan_id if venue is not None else None

    @property
    def participants(self) -> int:
        return self.participants_female + self.participants_male

    @property
    def facilitator_lines(self) -> list[str]:
        return [line.strip() for line in self.facilitators.splitlines() if line.strip()]
