"""REMAJA CAKAP (health seed section 3.2): the adolescent-health records of one district.

Four groups of tables:

- PKPR (Pelayanan Kesehatan Peduli Remaja) per puskesmas. The standard is versioned data
  (`PkprStandardVersion` + `PkprStandardItem`, loaded from data/remaja/pkpr_standard_v1.json).
  A `PkprAssessment` is one puskesmas's check against one version on one date, by its own staff
  or by Dinkes; its `PkprAssessmentItem`s say met / not met with a short note. Whether the
  puskesmas "meets the standard" is derived (pkpr.py): every required item met in its latest
  assessment.
- Posyandu Remaja per desa (`PosyanduRemaja`, with its current cadre roster) and its sessions
  (`PosyanduRemajaSession`: date, girls and boys attending, trained cadres present, topics).
  Active / inactive is derived from the sessions (activity.py), never stored.
- Counselling visits at PKPR (`CounsellingTally`): counts per puskesmas, month, topic, sex and
  age group. Deliberately no free text and no person: the people who enter and read these
  pages may not see what an adolescent said.
- Anaemia screening of adolescent girls at school (`AnaemiaScreening`: the girl, school, date,
  Hb and the classification made with the thresholds version it names) and weekly iron tablets
  per school class (`TtdWeek`: counts, no names). Follow-ups of anaemic girls are derived from
  the screenings (anaemia.py).

Only `AnaemiaScreening` points to a child; it is read through the scoped selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.remaja import anaemia as an

TOPICS = (
    ("reproductive", "Kesehatan reproduksi / reproductive health"),
    ("nutrition", "Gizi dan anemia / nutrition and anaemia"),
    ("mental", "Kesehatan jiwa / mental health"),
    ("other", "Lainnya / other"),
)
AGE_GROUPS = (("10-14", "10–14 tahun"), ("15-19", "15–19 tahun"))
SEXES = (("L", "Laki-laki / male"), ("P", "Perempuan / female"))
# Topics a Posyandu Remaja session may cover (several per session).
SESSION_TOPICS = (
    ("anemia", "Anemia dan TTD / anaemia and iron tablets"),
    ("gizi", "Gizi / nutrition"),
    ("kespro", "Kesehatan reproduksi / reproductive health"),
    ("jiwa", "Kesehatan jiwa / mental health"),
    ("pernikahan_dini", "Cegah pernikahan dini / preventing child marriage"),
    ("napza", "Rokok, alkohol, NAPZA / tobacco, alcohol, drugs"),
    ("pengukuran", "Penimbangan, tinggi, LiLA / weight, height, MUAC"),
    ("lainnya", "Lainnya / other"),
)


class PkprStandardVersion(models.Model):
    number = models.PositiveIntegerField("versi", unique=True)
    title = models.CharField("judul", max_length=200)
    valid_from = models.DateField("berlaku sejak")
    source = models.TextField("sumber", blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = "versi standar PKPR"
        verbose_name_plural = "versi standar PKPR"

    def __str__(self) -> str:
        return f"PKPR v{self.number}"


class PkprStandardItem(models.Model):
    class Origin(models.TextChoices):
        SEED = "seed", "Laporan seed / seed report"
        UNVERIFIED = "unverified", "Ringkasan standar nasional, belum diverifikasi / unverified"

    version = models.ForeignKey(PkprStandardVersion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("kode", max_length=20)
    text_id = models.TextField("butir")
    text_en = models.TextField("item (English)", blank=True)
    required = models.BooleanField("wajib", default=True)
    origin = models.CharField("asal", max_length=12, choices=Origin.choices)
    order = models.PositiveSmallIntegerField("urutan", default=0)

    class Meta:
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="remaja_pkpr_item_code_per_version"),
            models.CheckConstraint(
                name="remaja_pkpr_item_origin_known", condition=models.Q(origin__in=["seed", "unverified"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text_id[:60]}"


class PkprAssessment(models.Model):
    facility = models.ForeignKey(
        "facilities.HealthFacility", on_delete=models.PROTECT, related_name="pkpr_assessments"
    )
    version = models.ForeignKey(PkprStandardVersion, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField("tanggal penilaian")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["facility", "-assessed_on", "-id"]
        verbose_name = "penilaian PKPR"
        verbose_name_plural = "penilaian PKPR"
        constraints = [
            # One assessment per puskesmas per day: a second entry that day corrects the first.
            models.UniqueConstraint(fields=["facility", "assessed_on"], name="remaja_pkpr_one_per_day")
        ]

    def __str__(self) -> str:
        return f"PKPR #{self.pk} ({self.facility_id}, {self.assessed_on})"


class PkprAssessmentItem(models.Model):
    assessment = models.ForeignKey(PkprAssessment, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(PkprStandardItem, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField("terpenuhi")
    note = models.CharField("catatan", max_length=500, blank=True)

    class Meta:
        ordering = ["assessment", "item__order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="remaja_pkpr_item_once")]

    def __str__(self) -> str:
        return f"PKPR #{self.assessment_id} {self.item_id}: {'ya' if self.met else 'tidak'}"


class PosyanduRemaja(models.Model):
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="posyandu_remaja")
    name = models.CharField("nama", max_length=150)
    # Today's roster; the activity rule reads the trained cadres present at each session instead.
    cadres = models.PositiveSmallIntegerField("jumlah kader", default=0)
    trained_cadres = models.PositiveSmallIntegerField("kader terlatih", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["desa__code", "name"]
        verbose_name = "Posyandu Remaja"
        verbose_name_plural = "Posyandu Remaja"
        constraints = [
            models.UniqueConstraint(fields=["desa", "name"], name="remaja_posyandu_name_per_desa"),
            models.CheckConstraint(
                name="remaja_posyandu_trained_within_cadres",
                condition=models.Q(trained_cadres__lte=models.F("cadres")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PosyanduRemajaSession(models.Model):
    posyandu = models.ForeignKey(PosyanduRemaja, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("tanggal")
    girls = models.PositiveIntegerField("remaja putri hadir")
    boys = models.PositiveIntegerField("remaja putra hadir")
    trained_cadres_present = models.PositiveSmallIntegerField("kader terlatih hadir")
    topics = models.JSONField("topik", default=list)  # codes of SESSION_TOPICS
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["posyandu", "-held_on"]
        verbose_name = "pertemuan Posyandu Remaja"
        verbose_name_plural = "pertemuan Posyandu Remaja"
        constraints = [
            models.UniqueConstraint(fields=["posyandu", "held_on"], name="remaja_session_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.posyandu_id} {self.held_on}"


class CounsellingTally(models.Model):
    """Counselling visits at one puskesmas's PKPR in one month: counts only, by design."""

    facility = models.ForeignKey(
        "facilities.HealthFacility", on_delete=models.PROTECT, related_name="counselling_tallies"
    )
    month = models.DateField("bulan")  # the month's first day
    topic = models.CharField("topik", max_length=12, choices=TOPICS)
    sex = models.CharField("jenis kelamin", max_length=1, choices=SEXES)
    age_group = models.CharField("kelompok umur", max_length=5, choices=AGE_GROUPS)
    visits = models.PositiveIntegerField("kunjungan")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["facility", "-month", "topic", "sex", "age_group"]
        verbose_name = "rekap konseling PKPR"
        verbose_name_plural = "rekap konseling PKPR"
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "month", "topic", "sex", "age_group"], name="remaja_tally_cell_once"
            ),
            models.CheckConstraint(name="remaja_tally_month_first_day", condition=models.Q(month__day=1)),
            models.CheckConstraint(
                name="remaja_tally_topic_known", condition=models.Q(topic__in=[t for t, _ in TOPICS])
            ),
            models.CheckConstraint(name="remaja_tally_sex_known", condition=models.Q(sex__in=["L", "P"])),
            models.CheckConstraint(
                name="remaja_tally_age_known", condition=models.Q(age_group__in=["10-14", "15-19"])
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.facility_id} {self.month:%Y-%m} {self.topic}/{self.sex}/{self.age_group}: {self.visits}"
        )


class AnaemiaScreening(models.Model):
    class Severity(models.TextChoices):
        NONE = an.NONE, an.SEVERITY_LABELS[an.NONE]
        MILD = an.MILD, an.SEVERITY_LABELS[an.MILD]
        MODERATE = an.MODERATE, an.SEVERITY_LABELS[an.MODERATE]
        SEVERE = an.SEVERE, an.SEVERITY_LABELS[an.SEVERE]

    child = models.ForeignKey("persons.Child", on_delete=models.PROTECT, related_name="anaemia_screenings")
    school = models.ForeignKey("facilities.School", on_delete=models.PROTECT, related_name="+")
    screened_on = models.DateField("tanggal skrining")
    hb_g_dl = models.DecimalField("Hb (g/dL)", max_digits=4, decimal_places=1)
    # The classification made at entry with the thresholds version named; kept so a report
    # says what the screener was told, even after the thresholds change.
    age_years = models.PositiveSmallIntegerField("umur (tahun)")
    severity = models.CharField("derajat", max_length=8, choices=Severity.choices)
    anaemic = models.BooleanField("anemia")
    thresholds_version = models.PositiveSmallIntegerField("versi batas Hb")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["child", "screened_on", "id"]
        verbose_name = "skrining anemia"
        verbose_name_plural = "skrining anemia"
        constraints = [
            models.UniqueConstraint(fields=["child", "screened_on"], name="remaja_screening_one_per_day"),
            models.CheckConstraint(
                name="remaja_screening_severity_known", condition=models.Q(severity__in=list(an.SEVERITIES))
            ),
            models.CheckConstraint(
                name="remaja_screening_anaemic_matches_severity",
                condition=models.Q(anaemic=False, severity=an.NONE)
                | (models.Q(anaemic=True) & ~models.Q(severity=an.NONE)),
            ),
        ]

    def __str__(self) -> str:
        return f"skrining #{self.pk} (anak #{self.child_id}, {self.screened_on})"


class TtdWeek(models.Model):
    """Iron tablets given in one school class in one week (the week's Monday)."""

    school = models.ForeignKey("facilities.School", on_delete=models.PROTECT, related_name="+")
    class_name = models.CharField("kelas", max_length=20)
    week_start = models.DateField("minggu (Senin)")
    girls_enrolled = models.PositiveIntegerField("siswi terdaftar")
    tablets_given = models.PositiveIntegerField("tablet dibagikan")
    girls_took = models.PositiveIntegerField("siswi minum TTD")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["school", "-week_start", "class_name"]
        verbose_name = "TTD mingguan"
        verbose_name_plural = "TTD mingguan"
        constraints = [
            models.UniqueConstraint(fields=["school", "class_name", "week_start"], name="remaja_ttd_once"),
            models.CheckConstraint(
                name="remaja_ttd_given_within_enrolled",
                condition=models.Q(tablets_given__lte=models.F("girls_enrolled")),
            ),
            models.CheckConstraint(
                name="remaja_ttd_took_within_given",
                condition=models.Q(girls_took__lte=models.F("tablets_given")),
            ),
            models.CheckConstraint(
                name="remaja_ttd_enrolled_positive", condition=models.Q(girls_enrolled__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"TTD {self.school_id} {self.class_name} {self.week_start}"
