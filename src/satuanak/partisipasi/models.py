"""Forum Anak 2P reports with their action log, and Musrenbang proposals with their rounds.

A `Report` keeps its current status, queue (agency kind + the role that works it) and the
times the response figures need (first triage, answer) denormalised for the queues and
dashboards; `ReportEvent` is the log every step writes (who, when, from/to status and queue,
the reason). The rules live in states.py; these tables only enforce what a database can.

A `Proposal` is one Forum Anak proposal; `ProposalOutcome` one round's decision on it
(at most one per level), so the proposal can be followed from desa to kabupaten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from satuanak.accounts.roles import AgencyKind, Role
from satuanak.partisipasi import states as s


class Report(models.Model):
    """One concern a Forum Anak member reported (2P: Pelopor dan Pelapor)."""

    class Type(models.TextChoices):
        MALNOURISHED = s.MALNOURISHED, s.REPORT_TYPE_LABELS[s.MALNOURISHED]
        NOT_IN_SCHOOL = s.NOT_IN_SCHOOL, s.REPORT_TYPE_LABELS[s.NOT_IN_SCHOOL]
        CHILD_MARRIAGE = s.CHILD_MARRIAGE, s.REPORT_TYPE_LABELS[s.CHILD_MARRIAGE]
        NO_BIRTH_CERTIFICATE = s.NO_BIRTH_CERTIFICATE, s.REPORT_TYPE_LABELS[s.NO_BIRTH_CERTIFICATE]
        VIOLENCE = s.VIOLENCE, s.REPORT_TYPE_LABELS[s.VIOLENCE]
        UNFRIENDLY_FACILITY = s.UNFRIENDLY_FACILITY, s.REPORT_TYPE_LABELS[s.UNFRIENDLY_FACILITY]
        OTHER = s.OTHER, s.REPORT_TYPE_LABELS[s.OTHER]

    class Status(models.TextChoices):
        SUBMITTED = s.SUBMITTED, "Dikirim / submitted"
        ACCEPTED = s.ACCEPTED, "Diterima / accepted"
        ANSWERED = s.ANSWERED, "Dijawab / answered"
        CLOSED = s.CLOSED, "Selesai / closed"
        DUPLICATE = s.DUPLICATE, "Duplikat / duplicate"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partisipasi_reports"
    )
    report_type = models.CharField("jenis", max_length=30, choices=Type.choices)
    desa = models.ForeignKey("regions.Desa", on_delete=models.PROTECT, related_name="partisipasi_reports")
    description = models.TextField("cerita", max_length=s.DESCRIPTION_MAX)
    child_name_hint = models.CharField("nama anak (petunjuk)", max_length=s.CHILD_NAME_MAX, blank=True)
    child_age_hint = models.PositiveSmallIntegerField("umur anak (petunjuk)", null=True, blank=True)
    status = models.CharField("status", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    # The queue it is in: set from the routing table, changed by a reroute.
    agency_kind = models.CharField("instansi", max_length=30, choices=AgencyKind.choices)
    handler_role = models.CharField("peran penangan", max_length=40, choices=Role.choices)
    submitted_at = models.DateTimeField("dikirim", default=timezone.now)
    first_triaged_at = models.DateTimeField("pemilahan pertama", null=True, blank=True)
    answered_at = models.DateTimeField("dijawab", null=True, blank=True)
    closed_at = models.DateTimeField("selesai", null=True, blank=True)
    # What the reporter reads: the answer, or why the report was a duplicate.
    public_answer = models.TextField("jawaban untuk pelapor", blank=True)
    # Internal: only handlers see it; the reporter never learns which child was linked.
    child = models.ForeignKey(
        "persons.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="partisipasi_reports"
    )
    routing_version = models.PositiveSmallIntegerField("versi tabel rute", default=1)
    # A stable key for the demo's rows (re-loading adds nothing); empty for real reports.
    demo_key = models.CharField(max_length=40, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "laporan Forum Anak (2P)"
        indexes = [
            models.Index(fields=["handler_role", "status", "submitted_at"], name="partisipasi_queue"),
            models.Index(fields=["reporter", "submitted_at"], name="partisipasi_own"),
        ]
        constraints = [
            models.CheckConstraint(
                name="partisipasi_report_status_known", condition=models.Q(status__in=s.STATUSES)
            ),
            models.CheckConstraint(
                name="partisipasi_report_type_known", condition=models.Q(report_type__in=s.REPORT_TYPES)
            ),
            models.CheckConstraint(
                name="partisipasi_report_answered_has_answer",
                condition=~models.Q(status__in=[s.ANSWERED, s.CLOSED]) | ~models.Q(public_answer=""),
            ),
            models.CheckConstraint(
                name="partisipasi_report_age_child",
                condition=models.Q(child_age_hint__isnull=True)
                | models.Q(child_age_hint__lte=s.CHILD_AGE_MAX),
            ),
        ]

    def __str__(self) -> str:
        return f"laporan 2P #{self.pk} ({self.status})"  # no names: __str__ ends up in logs

    @property
    def is_sensitive(self) -> bool:
        return self.report_type in s.SENSITIVE_TYPES


class ReportEvent(models.Model):
    """One step of a report: who did what, when, from which status/queue to which, and why.
    The first event is the submission; a child link is logged here too (action link_child)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("tindakan", max_length=20)
    from_status = models.CharField("dari status", max_length=12, blank=True)
    to_status = models.CharField("ke status", max_length=12)
    from_agency_kind = models.CharField("dari instansi", max_length=30, blank=True)
    to_agency_kind = models.CharField("ke instansi", max_length=30, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partisipasi_events"
    )
    at = models.DateTimeField("waktu", default=timezone.now)
    # Internal to the handlers (a reroute's or duplicate's reason, a note); never shown to the reporter.
    reason = models.TextField("alasan / catatan", blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "langkah laporan 2P"

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}->{self.to_status}"


class Proposal(models.Model):
    """One Forum Anak proposal in the Musrenbang planning rounds."""

    class Level(models.TextChoices):
        DESA = s.DESA, s.LEVEL_LABELS[s.DESA]
        KECAMATAN = s.KECAMATAN, s.LEVEL_LABELS[s.KECAMATAN]
        KABUPATEN = s.KABUPATEN, s.LEVEL_LABELS[s.KABUPATEN]

    class Sector(models.TextChoices):
        HEALTH = "health", "Kesehatan dan gizi / health and nutrition"
        EDUCATION = "education", "Pendidikan / education"
        PROTECTION = "protection", "Perlindungan anak / child protection"
        CIVIL_RIGHTS = "civil_rights", "Hak sipil (akta, KIA) / civil rights (documents)"
        PLAY_CULTURE = "play_culture", "Waktu luang, bermain, budaya / leisure, play, culture"
        ENVIRONMENT = "environment", "Lingkungan dan infrastruktur / environment and infrastructure"
        OTHER = "other", "Lainnya / other"

    year = models.PositiveSmallIntegerField("tahun")
    entry_level = models.CharField("tingkat awal", max_length=10, choices=Level.choices)
    title = models.CharField("judul", max_length=s.TITLE_MAX)
    description = models.TextField("uraian", max_length=s.DESCRIPTION_MAX)
    forum_anak = models.CharField("Forum Anak pengusul", max_length=200)
    sector = models.CharField("bidang", max_length=20, choices=Sector.choices)
    desa = models.ForeignKey(
        "regions.Desa", on_delete=models.PROTECT, null=True, blank=True, related_name="partisipasi_proposals"
    )
    kecamatan = models.ForeignKey(
        "regions.Kecamatan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partisipasi_proposals",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partisipasi_proposals"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    demo_key = models.CharField(max_length=40, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-year", "title", "id"]
        verbose_name = "usulan Forum Anak (Musrenbang)"
        constraints = [
            models.CheckConstraint(
                name="partisipasi_proposal_level_known", condition=models.Q(entry_level__in=s.LEVELS)
            ),
            # A desa round needs its desa; a kecamatan round its kecamatan.
            models.CheckConstraint(
                name="partisipasi_proposal_desa_round_has_desa",
                condition=~models.Q(entry_level=s.DESA) | models.Q(desa__isnull=False),
            ),
            models.CheckConstraint(
                name="partisipasi_proposal_kecamatan_round_has_kecamatan",
                condition=~models.Q(entry_level=s.KECAMATAN) | models.Q(kecamatan__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"usulan #{self.pk} {self.year}"


class ProposalOutcome(models.Model):
    """One round's decision on a proposal."""

    class Outcome(models.TextChoices):
        ACCEPTED = s.ACCEPTED_INTO_PLAN, s.OUTCOME_LABELS[s.ACCEPTED_INTO_PLAN]
        FORWARDED = s.FORWARDED, s.OUTCOME_LABELS[s.FORWARDED]
        REJECTED = s.REJECTED, s.OUTCOME_LABELS[s.REJECTED]
        FUNDED = s.FUNDED, s.OUTCOME_LABELS[s.FUNDED]

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="outcomes")
    level = models.CharField("tingkat", max_length=10, choices=Proposal.Level.choices)
    outcome = models.CharField("hasil", max_length=10, choices=Outcome.choices)
    reason = models.TextField("alasan", blank=True)
    amount = models.PositiveBigIntegerField("dana (Rp)", null=True, blank=True)
    decided_on = models.DateField("tanggal musrenbang")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partisipasi_outcomes"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "decided_on", "id"]
        verbose_name = "hasil musrenbang"
        constraints = [
            models.UniqueConstraint(fields=["proposal", "level"], name="partisipasi_one_outcome_per_round"),
            models.CheckConstraint(
                name="partisipasi_outcome_known", condition=models.Q(outcome__in=s.OUTCOMES)
            ),
            models.CheckConstraint(
                name="partisipasi_outcome_rejected_has_reason",
                condition=~models.Q(outcome=s.REJECTED) | ~models.Q(reason=""),
            ),
            models.CheckConstraint(
                name="partisipasi_outcome_funded_has_amount",
                condition=~models.Q(outcome=s.FUNDED) | models.Q(amount__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.outcome}"
