"""Reading 2P reports and Musrenbang proposals, always for a user, and their figures.

Who sees which report
---------------------
- The reporter sees their own reports only (`reports_of_reporter`): type, desa, their own
  text, the status, the queue's agency and the public answer — never the linked child, the
  handlers' reasons and notes, or anybody else's reports (the pages render only those fields).
- A handler sees the reports in their role's queue (`reports_queue`); a role limited to its
  own area (a kecamatan's protection officer) only the reports from desa in that area. The
  data steward sees every queue (to find a stuck report) but acts on none.
- The description and child hint of a violence report (`states.SENSITIVE_TYPES`) are read only
  by the reporter and by roles that see SIMFONI violence cases (protection officers), wherever
  the report has been rerouted (`description_visible`), as referrals' `is_protection` rule.

A report the user may not see is a 404 whether it exists or not, with an ACCESS_DENIED entry.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from satuanak.access.agreements import policy_of
from satuanak.access.policy import AreaScope, Capability, policy_for, role_can
from satuanak.access.selectors import desa_visible_to
from satuanak.accounts.models import User
from satuanak.accounts.roles import AgencyKind, Role
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock
from satuanak.core.sources import Source
from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Proposal, ProposalOutcome, Report


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def reports_of_reporter(user: Any) -> QuerySet[Report]:
    """The user's own reports, newest first."""
    if not _authenticated(user) or not role_can(getattr(user, "role", ""), Capability.SUBMIT_2P_REPORTS):
        return Report.objects.none()
    return (
        Report.objects.filter(reporter=user)
        .select_related("desa__kecamatan")
        .order_by("-submitted_at", "-id")
    )


def reports_queue(user: Any) -> QuerySet[Report]:
    """The reports a handler sees (see the module docstring), newest first."""
    role = getattr(user, "role", "")
    if not _authenticated(user) or not role_can(role, Capability.HANDLE_2P_REPORTS):
        return Report.objects.none()
    qs = Report.objects.select_related("desa__kecamatan")
    if role != Role.DATA_STEWARD:
        qs = qs.filter(handler_role=role)
        if policy_for(role).scope == AreaScope.OWN_AREA and user.area_level != User.AreaLevel.DISTRICT:
            qs = qs.filter(desa__in=desa_visible_to(user))
    return qs.order_by("-submitted_at", "-id")


def description_visible(user: Any, report: Report) -> bool:
    """May the user read the report's description and child hint?"""
    if not report.is_sensitive or report.reporter_id == getattr(user, "pk", None):
        return True
    return Source.SIMFONI in policy_of(user).sources


def _denied(user: Any, report_id: int, request: HttpRequest | None) -> Http404:
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=user,
        request=request,
        subject_type="partisipasi_report",
        subject_id=report_id,
        detail={"reason": "report not visible or not found"},
    )
    return Http404("Laporan tidak ditemukan / report not found")


def _viewed(user: Any, report: Report, request: HttpRequest | None, as_: str) -> None:
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=user,
        request=request,
        subject_type="partisipasi_report",
        subject_id=report.pk,
        desa_code=report.desa.code,
        detail={"as": as_, "child": report.child_id} if report.child_id and as_ == "handler" else {"as": as_},
    )


def report_get_for_reporter(*, user: Any, report_id: int, request: HttpRequest | None = None) -> Report:
    """One of the user's own reports, audited; anybody else's is a 404."""
    report = reports_of_reporter(user).filter(pk=report_id).first()
    if report is None:
        raise _denied(user, report_id, request)
    _viewed(user, report, request, "reporter")
    return report


def report_get_for_handler(*, user: Any, report_id: int, request: HttpRequest | None = None) -> Report:
    """One report of the user's queue, audited; any other is a 404."""
    report = reports_queue(user).select_related("child__desa").filter(pk=report_id).first()
    if report is None:
        raise _denied(user, report_id, request)
    _viewed(user, report, request, "handler")
    return report


def report_public_timeline(report: Report) -> list[dict[str, Any]]:
    """What the reporter may read of the log: when the status changed and which agency holds
    the report — no names of handlers, no reasons (they are internal), no child links."""
    rows = []
    for e in report.events.exclude(action=s.LINK_CHILD).order_by("at", "id"):
        rows.append(
            {
                "at": e.at,
                "status": Report.Status(e.to_status).label,
                "agency": AgencyKind(e.to_agency_kind).label if e.to_agency_kind else "",
            }
        )
    return rows


# --- figures ---------------------------------------------------------------------------------


def _bounds(period: str) -> tuple[date, date, datetime, datetime]:
    first, last = s.quarter_bounds(period)
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return first, last, start, end


def reports_submitted_in(period: str) -> QuerySet[Report]:
    _, _, start, end = _bounds(period)
    return Report.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def response_times(*, period: str) -> list[dict[str, Any]]:
    """Per agency (the queue a report is in now), for reports submitted in the quarter: how many,
    how many triaged and answered, the median hours from submission to first triage and the
    median days to the answer, and how many were answered within 14 days. The median, because
    one report left over a holiday should not hide how the queue usually moves."""
    rows: dict[str, dict[str, Any]] = {}
    triage_hours: dict[str, list[float]] = defaultdict(list)
    answer_days: dict[str, list[float]] = defaultdict(list)
    for r in reports_submitted_in(period).order_by("agency_kind", "id"):
        row = rows.setdefault(
            r.agency_kind,
            {
                "agency_kind": r.agency_kind,
                "agency": AgencyKind(r.agency_kind).label,
                "submitted": 0,
                "triaged": 0,
                "answered": 0,
                "answered_14d": 0,
            },
        )
        row["submitted"] += 1
        if r.first_triaged_at:
            row["triaged"] += 1
            triage_hours[r.agency_kind].append((r.first_triaged_at - r.submitted_at).total_seconds() / 3600)
        if r.answered_at:
            row["answered"] += 1
            answer_days[r.agency_kind].append((r.answered_at - r.submitted_at).total_seconds() / 86400)
            if s.answered_within(_local_date(r.submitted_at), _local_date(r.answered_at)):
                row["answered_14d"] += 1
    for kind, row in rows.items():
        th, ad = _median(triage_hours[kind]), _median(answer_days[kind])
        row["median_hours_to_triage"] = round(th, 1) if th is not None else None
        row["median_days_to_answer"] = round(ad, 1) if ad is not None else None
    return list(rows.values())


def counts_by_type_and_agency(*, period: str) -> list[dict[str, Any]]:
    """Reports submitted in the quarter per type and agency (the queue it is in now)."""
    rows = (
        reports_submitted_in(period)
        .values("report_type", "agency_kind")
        .annotate(n=Count("id"))
        .order_by("report_type", "agency_kind")
    )
    return [
        {
            "type": Report.Type(r["report_type"]).label,
            "agency": AgencyKind(r["agency_kind"]).label,
            "n": r["n"],
        }
        for r in rows
    ]


def counts_by_status(*, period: str) -> dict[str, int]:
    counted = Counter(reports_submitted_in(period).values_list("status", flat=True))
    return {Report.Status(st).label: counted.get(st, 0) for st in s.STATUSES}


def participation_figures(*, period: str) -> dict[str, tuple[int, int, date]]:
    """The district's figures of a quarter ("2024Q4"): name -> (numerator, denominator, the date
    the figures stand at: the quarter's last day, or today while it runs). ValueError (bilingual)
    for a malformed period.

    - 2p_answered_14d: reports answered within 14 days of submission / reports submitted in the
      quarter (a report answered later, or not yet, counts in the denominator only)
    - musrenbang_accepted: Forum Anak proposals accepted into the plan or funded at any round /
      proposals of the period's year
    """
    first, last, _, _ = _bounds(period)
    submitted = list(reports_submitted_in(period).only("submitted_at", "answered_at"))
    answered = sum(
        1
        for r in submitted
        if r.answered_at and s.answered_within(_local_date(r.submitted_at), _local_date(r.answered_at))
    )
    proposals = Proposal.objects.filter(year=first.year)
    taken_up = proposals.filter(outcomes__outcome__in=sorted(s.TAKEN_UP)).distinct().count()
    as_of = min(last, clock.today())
    return {
        "2p_answered_14d": (answered, len(submitted), as_of),
        "musrenbang_accepted": (taken_up, proposals.count(), as_of),
    }


# --- Musrenbang ------------------------------------------------------------------------------


def proposals_for_year(year: int) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(year=year)
        .select_related("desa", "kecamatan")
        .prefetch_related("outcomes")
        .order_by("title", "id")
    )


def proposal_years() -> list[int]:
    return sorted(set(Proposal.objects.values_list("year", flat=True)), reverse=True)


def musrenbang_summary(year: int) -> dict[str, Any]:
    """Counts of outcomes per round for the year's proposals, and how many entered each round
    and are still waiting for a round's outcome."""
    counts = Counter(ProposalOutcome.objects.filter(proposal__year=year).values_list("level", "outcome"))
    table = [
        {
            "level": s.LEVEL_LABELS[level],
            "cells": [counts.get((level, outcome), 0) for outcome in s.OUTCOMES],
            "total": sum(counts.get((level, outcome), 0) for outcome in s.OUTCOMES),
        }
        for level in s.LEVELS
    ]
    entered = Counter(Proposal.objects.filter(year=year).values_list("entry_level", flat=True))
    return {
        "outcomes": [s.OUTCOME_LABELS[o] for o in s.OUTCOMES],
        "table": table,
        "entered": [(s.LEVEL_LABELS[lv], entered.get(lv, 0)) for lv in s.LEVELS],
        "proposals": sum(entered.values()),
    }


def proposal_get(*, user: Any, proposal_id: int, request: HttpRequest | None = None) -> Proposal:
    """One proposal for a user who records Musrenbang, audited; otherwise a 404."""
    proposal = None
    if _authenticated(user) and role_can(getattr(user, "role", ""), Capability.RECORD_MUSRENBANG):
        proposal = Proposal.objects.select_related("desa", "kecamatan").filter(pk=proposal_id).first()
    if proposal is None:
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="musrenbang_proposal",
            subject_id=proposal_id,
            detail={"reason": "proposal not visible or not found"},
        )
        raise Http404("Usulan tidak ditemukan / proposal not found")
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=user,
        request=request,
        subject_type="musrenbang_proposal",
        subject_id=proposal.pk,
    )
    return proposal
