"""Reads: the standard in force, each puskesmas's progress, the roadmap, the items most often
missing, children's voice, and the scoped reads of evidence.

Progress, roadmap and voice summaries are about facilities and hold no personal data: the
public dashboard shows them. Evidence is read only through `evidence_for_staff` (the
puskesmas's own staff) and `evidence_for_reviewer` (reviewers); anything else is a 404.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from satuanak.access.policy import Capability, role_can
from satuanak.facilities.models import HealthFacility
from satuanak.prap import states as s
from satuanak.prap.models import (
    VOICE_QUESTIONS,
    Assessment,
    AssessmentItem,
    Evidence,
    StandardItem,
    StandardVersion,
    VoiceSurvey,
)

NOT_STARTED = "not_started"
STATE_LABELS = {NOT_STARTED: "Belum mulai / not started", **s.STATE_LABELS}


def puskesmas() -> QuerySet[HealthFacility]:
    return HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).order_by("name")


def own_facility(user: Any) -> HealthFacility | None:
    """The puskesmas a user works at (their agency's facility), if any."""
    agency = getattr(user, "agency", None)
    facility = getattr(agency, "health_facility", None) if agency is not None else None
    if facility is None or facility.kind != HealthFacility.Kind.PUSKESMAS:
        return None
    return facility


def can_self_assess(user: Any, facility: HealthFacility) -> bool:
    if not role_can(getattr(user, "role", ""), Capability.PRAP_SELF_ASSESS):
        return False
    own = own_facility(user)
    return own is not None and own.pk == facility.pk


def can_review(user: Any, facility: HealthFacility) -> bool:
    """Reviewers may review any puskesmas but their own (a puskesmas never reviews itself)."""
    if not role_can(getattr(user, "role", ""), Capability.PRAP_REVIEW):
        return False
    own = getattr(getattr(user, "agency", None), "health_facility_id", None)
    return own != facility.pk


def standard_published() -> StandardVersion | None:
    """The version new assessments use: the highest published one."""
    return StandardVersion.objects.filter(published=True).order_by("-number").first()


def standard_draft() -> StandardVersion | None:
    return StandardVersion.objects.filter(published=False).order_by("-number").first()


def live_assessment(facility: HealthFacility | int) -> Assessment | None:
    fid = facility if isinstance(facility, int) else facility.pk
    return (
        Assessment.objects.filter(facility_id=fid, state__in=s.LIVE)
        .select_related("version", "facility", "certified_by")
        .first()
    )


def latest_assessment(facility: HealthFacility | int) -> Assessment | None:
    """The live assessment, else the last one (an expired or revoked certification)."""
    fid = facility if isinstance(facility, int) else facility.pk
    return live_assessment(fid) or Assessment.objects.filter(facility_id=fid).order_by("-id").first()


def assessment_items(assessment: Assessment) -> QuerySet[AssessmentItem]:
    return (
        assessment.items.select_related("item__component", "reviewed_by", "answered_by", "replied_by")
        .prefetch_related("evidence")
        .order_by("item__component__order", "item__order", "item__code")
    )


@dataclass(frozen=True)
class Progress:
    facility: HealthFacility
    state: str  # a states.* value or NOT_STARTED
    met: int  # required items met
    total: int  # required items of the version (of the published one if not started)
    answered: int  # items the puskesmas answered "yes"
    certified_on: date | None
    valid_until: date | None
    assessment_id: int | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def percent(self) -> int:
        return round(100 * self.met / self.total) if self.total else 0


def prap_progress() -> list[Progress]:
    """Per puskesmas (by name): state of its latest assessment, required items met / total."""
    published = standard_published()
    default_total = published.items.filter(required=True).count() if published else 0
    latest: dict[int, Assessment] = {}
    for a in Assessment.objects.order_by("facility_id", "-id"):
        if a.facility_id not in latest or (a.state in s.LIVE and latest[a.facility_id].state not in s.LIVE):
            latest[a.facility_id] = a
    ids = [a.pk for a in latest.values()]
    counts = {
        row["assessment_id"]: row
        for row in AssessmentItem.objects.filter(assessment_id__in=ids)
        .values("assessment_id")
        .annotate(
            total=Count("id", filter=Q(item__required=True)),
            met=Count("id", filter=Q(item__required=True, verdict=s.MET)),
            answered=Count("id", filter=Q(answer=s.YES)),
        )
    }
    out = []
    for facility in puskesmas():
        found = latest.get(facility.pk)
        if found is None:
            out.append(Progress(facility, NOT_STARTED, 0, default_total, 0, None, None, None))
            continue
        a = found
        c = counts.get(a.pk, {"total": 0, "met": 0, "answered": 0})
        out.append(
            Progress(
                facility, a.state, c["met"], c["total"], c["answered"], a.certified_on, a.valid_until, a.pk
            )
        )
    return out


def prap_states() -> dict[int, dict[str, Any]]:
    """HealthFacility id -> {"state", "met", "total", "certified_on"} for every puskesmas (the map)."""
    return {
        p.facility.pk: {"state": p.state, "met": p.met, "total": p.total, "certified_on": p.certified_on}
        for p in prap_progress()
    }


@dataclass(frozen=True)
class Roadmap:
    targets: list[s.TargetStatus]
    current: int  # puskesmas certified today
    total: int  # puskesmas in the district


def prap_roadmap(today: date) -> Roadmap:
    spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for a in Assessment.objects.filter(certified_on__isnull=False).only(
        "facility_id", "certified_on", "ended_on", "state"
    ):
        if a.certified_on is not None:  # always, by the filter; the check is for the type
            spans[a.facility_id].append((a.certified_on, a.ended_on))
    total = puskesmas().count()
    current = sum(1 for fs in spans.values() if s.in_force(fs, today) > 0)
    return Roadmap(s.roadmap_status(spans, today=today, total=total), current, total)


@dataclass(frozen=True)
class MissingItem:
    code: str
    text_id: str
    text_en: str
    missing: int  # puskesmas (with an assessment under way) where the item is not (yet) met
    of: int  # puskesmas with an assessment under way


def prap_missing_items(limit: int = 10) -> list[MissingItem]:
    """Required items most often not met or not yet met, across the puskesmas with a live
    assessment that is not certified (a certified one has every required item met)."""
    rows = AssessmentItem.objects.filter(
        assessment__state__in=[s.DRAFT, s.SUBMITTED, s.RETURNED], item__required=True
    ).values_list("assessment_id", "item__code", "verdict")
    assessments = {a for a, _, _ in rows}
    missing = Counter(code for _, code, verdict in rows if verdict != s.MET)
    if not missing:
        return []
    texts = {
        i.code: i
        for i in StandardItem.objects.filter(code__in=list(missing)).order_by("code", "-version__number")
    }
    ranked = sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        MissingItem(code, texts[code].text_id, texts[code].text_en, n, len(assessments))
        for code, n in ranked
        if code in texts
    ]


@dataclass(frozen=True)
class VoiceSummary:
    facility_id: int
    count: int
    means: list[tuple[str, str, float]]  # (question id, question en, mean 1..5)
    overall: float


def prap_voice_summary(facility: HealthFacility | int | None = None) -> dict[int, VoiceSummary]:
    """Mean score per question and overall, per puskesmas (for one puskesmas if given)."""
    qs = VoiceSurvey.objects.all()
    if facility is not None:
        qs = qs.filter(facility_id=facility if isinstance(facility, int) else facility.pk)
    fields = [f for f, _, _ in VOICE_QUESTIONS]
    rows = qs.values("facility_id").annotate(n=Count("id"), **{f: Avg(f) for f in fields})
    out = {}
    for row in rows:
        means = [(qid, qen, round(float(row[f] or 0), 1)) for f, qid, qen in VOICE_QUESTIONS]
        overall = round(sum(float(row[f] or 0) for f in fields) / len(fields), 1)
        out[row["facility_id"]] = VoiceSummary(row["facility_id"], row["n"], means, overall)
    return out


def facility_get(facility_id: int) -> HealthFacility:
    facility = puskesmas().filter(pk=facility_id).first()
    if facility is None:
        raise Http404("Puskesmas tidak ditemukan / puskesmas not found")
    return facility


def evidence_for_staff(user: Any, evidence_id: int) -> Evidence:
    """Evidence of the user's own puskesmas; a 404 for anything else (exists or not)."""
    own = own_facility(user)
    item = (
        Evidence.objects.select_related("assessment_item__assessment__facility")
        .filter(pk=evidence_id, assessment_item__assessment__facility_id=own.pk if own else -1)
        .first()
    )
    if item is None or not role_can(getattr(user, "role", ""), Capability.PRAP_SELF_ASSESS):
        raise Http404("Bukti tidak ditemukan / evidence not found")
    return item


def evidence_for_reviewer(user: Any, evidence_id: int) -> Evidence:
    item = (
        Evidence.objects.select_related("assessment_item__assessment__facility")
        .filter(pk=evidence_id)
        .first()
    )
    if item is None or not role_can(getattr(user, "role", ""), Capability.PRAP_REVIEW):
        raise Http404("Bukti tidak ditemukan / evidence not found")
    return item
