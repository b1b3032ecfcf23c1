"""Writing 2P reports and Musrenbang proposals: every write checks the role, the rules
(states.py) and the user's reach, and leaves a trace (the report's event log, the audit log).

Who may do what
---------------
- Submit a report: roles with `Capability.SUBMIT_2P_REPORTS` (Forum Anak members, role public).
- Act on a report: roles with `Capability.HANDLE_2P_REPORTS`, and only on reports in their own
  queue (`selectors.reports_queue`): a health officer triages the health office's queue. The
  steward sees every queue (to find a stuck report) but triage is the agency's.
- Link a report to a child: a handler whose role also holds `VIEW_CHILDREN`, choosing among
  `children_visible_to(user)` only (a child out of the user's area is refused as if it did not
  exist); audited with the child as subject.
- Record a Musrenbang proposal and its outcomes: `Capability.RECORD_MUSRENBANG`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from satuanak.access.policy import Capability, role_can
from satuanak.access.selectors import children_visible_to
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.partisipasi import routing
from satuanak.partisipasi import states as s
from satuanak.partisipasi.models import Proposal, ProposalOutcome, Report, ReportEvent
from satuanak.persons.models import Child
from satuanak.regions.models import Desa, Kecamatan


class PartisipasiError(ValueError):
    """The user's input or the move is not acceptable (bilingual message): the form again, 400."""


class PartisipasiPermissionError(PermissionError):
    """The user's role may not do this (a 403)."""


def _require(user: Any, capability: Capability) -> None:
    if not getattr(user, "is_authenticated", False) or not role_can(getattr(user, "role", ""), capability):
        raise PartisipasiPermissionError("Peran Anda tidak boleh melakukan ini. / Your role may not do this.")


def _desa(code: str) -> Desa:
    desa = Desa.objects.filter(code=(code or "").strip()).first()
    if desa is None:
        raise PartisipasiError("Pilih desa/kelurahan. / Choose the desa/kelurahan.")
    return desa


@transaction.atomic
def report_submit(
    *,
    user: Any,
    report_type: str,
    desa_code: str,
    description: str,
    child_name: str = "",
    child_age: str | int | None = None,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Report:
    """A Forum Anak member's report, routed to the agency the routing table names."""
    _require(user, Capability.SUBMIT_2P_REPORTS)
    description = (description or "").strip()
    child_name = (child_name or "").strip()
    age: int | None = None
    if child_age not in (None, ""):
        try:
            age = int(str(child_age).strip())
        except ValueError as exc:
            raise PartisipasiError("Umur anak harus angka. / The child's age must be a number.") from exc
    try:
        s.report_text_check(
            report_type=report_type, description=description, child_name=child_name, child_age=age
        )
    except ValueError as exc:
        raise PartisipasiError(str(exc)) from exc
    desa = _desa(desa_code)
    route = routing.route_for(report_type)
    when = at or timezone.now()
    report = Report.objects.create(
        reporter=user,
        report_type=report_type,
        desa=desa,
        description=description,
        child_name_hint=child_name,
        child_age_hint=age,
        agency_kind=route.agency_kind,
        handler_role=route.role,
        submitted_at=when,
    )
    ReportEvent.objects.create(
        report=report,
        action=s.SUBMIT,
        to_status=s.SUBMITTED,
        to_agency_kind=route.agency_kind,
        by=user,
        at=when,
    )
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=user,
        request=request,
        subject_type="partisipasi_report",
        subject_id=report.pk,
        desa_code=desa.code,
        detail={"event": "submitted", "type": report_type, "agency": route.agency_kind},
    )
    return report


def may_act_on(user: Any, report: Report) -> bool:
    """The user works the queue the report is in (the steward only looks)."""
    return (
        getattr(user, "is_authenticated", False)
        and role_can(getattr(user, "role", ""), Capability.HANDLE_2P_REPORTS)
        and getattr(user, "role", "") == report.handler_role
    )


@transaction.atomic
def report_act(
    *,
    user: Any,
    report: Report,
    action: str,
    reason: str = "",
    answer: str = "",
    to_agency: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Report:
    """One step of the transitions table by a handler of the report's queue."""
    _require(user, Capability.HANDLE_2P_REPORTS)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not may_act_on(user, report):
        raise PartisipasiPermissionError(
            "Laporan ini ada di antrean instansi lain. / This report is in another agency's queue."
        )
    reason, answer, to_agency = (reason or "").strip(), (answer or "").strip(), (to_agency or "").strip()
    if action == s.REROUTE and to_agency and to_agency not in routing.agency_routes():
        raise PartisipasiError("Instansi tujuan tidak dikenal. / Unknown agency to reroute to.")
    try:
        to_status = s.action_check(
            report.status,
            action,
            reason=reason,
            answer=answer,
            to_agency=to_agency,
            agency=report.agency_kind,
        )
    except s.TransitionError as exc:
        raise PartisipasiError(str(exc)) from exc
    when = at or timezone.now()
    from_status, from_agency = report.status, report.agency_kind
    if action in s.TRIAGE_ACTIONS and report.first_triaged_at is None:
        report.first_triaged_at = when
    if action == s.REROUTE:
        report.agency_kind = to_agency
        report.handler_role = routing.agency_routes()[to_agency]
    if action == s.MARK_DUPLICATE:
        # The reporter reads why: "already reported, being handled as #12".
        report.public_answer = reason
    if action == s.ANSWER:
        report.public_answer = answer
        report.answered_at = when
    if action == s.CLOSE:
        report.closed_at = when
    report.status = to_status
    report.save()
    ReportEvent.objects.create(
        report=report,
        action=action,
        from_status=from_status,
        to_status=to_status,
        from_agency_kind=from_agency,
        to_agency_kind=report.agency_kind,
        by=user,
        at=when,
        reason=reason,
    )
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=user,
        request=request,
        subject_type="partisipasi_report",
        subject_id=report.pk,
        desa_code=report.desa.code,
        detail={"event": action, "from": from_status, "to": to_status, "agency": report.agency_kind},
    )
    return report


def may_link_children(user: Any) -> bool:
    role = getattr(user, "role", "")
    return role_can(role, Capability.HANDLE_2P_REPORTS) and role_can(role, Capability.VIEW_CHILDREN)


def report_link_child(
    *,
    user: Any,
    report: Report,
    child_id: int,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Report:
    """Link the report to a child the user may see (children_visible_to), audited. A child out
    of the user's area is refused with the same message as a missing one."""
    _require(user, Capability.HANDLE_2P_REPORTS)
    if not may_link_children(user):
        raise PartisipasiPermissionError(
            "Peran Anda tidak melihat data anak. / Your role does not see children's records."
        )
    child: Child | None = children_visible_to(user).select_related("desa").filter(pk=child_id).first()
    if child is None:
        # Written outside the transaction below: a refused look must stay in the log.
        audit_record(
            action=AuditAction.ACCESS_DENIED,
            actor=user,
            request=request,
            subject_type="child",
            subject_id=child_id,
            detail={"reason": "child not in scope or not found", "partisipasi_report": report.pk},
        )
        raise PartisipasiError("Anak tidak ditemukan di wilayah Anda. / Child not found in your area.")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if not may_act_on(user, report):
            raise PartisipasiPermissionError(
                "Laporan ini ada di antrean instansi lain. / This report is in another agency's queue."
            )
        if report.status not in s.LINKABLE:
            raise PartisipasiError(
                "Anak dapat ditautkan setelah laporan diterima. / "
                "A child can be linked once the report is accepted."
            )
        report.child = child
        report.save(update_fields=["child"])
        ReportEvent.objects.create(
            report=report,
            action=s.LINK_CHILD,
            from_status=report.status,
            to_status=report.status,
            from_agency_kind=report.agency_kind,
            to_agency_kind=report.agency_kind,
            by=user,
            at=at or timezone.now(),
        )
        audit_record(
            action=AuditAction.CHILD_VIEWED,
            actor=user,
            request=request,
            subject_type="child",
            subject_id=child.pk,
            desa_code=child.desa.code if child.desa else "",
            purpose=f"laporan Forum Anak 2P #{report.pk}",
            detail={"partisipasi_report": report.pk, "event": "linked"},
        )
    return report


# --- Musrenbang ------------------------------------------------------------------------------


@transaction.atomic
def proposal_record(
    *,
    user: Any,
    year: int | str,
    entry_level: str,
    title: str,
    description: str,
    forum_anak: str,
    sector: str,
    desa_code: str = "",
    kecamatan_code: str = "",
    demo_key: str | None = None,
    request: HttpRequest | None = None,
) -> Proposal:
    """Record a Forum Anak proposal entering the rounds at `entry_level`."""
    _require(user, Capability.RECORD_MUSRENBANG)
    try:
        year_n = int(str(year).strip())
    except ValueError as exc:
        raise PartisipasiError("Tahun harus angka. / The year must be a number.") from exc
    if not 2000 <= year_n <= 2100:
        raise PartisipasiError("Tahun tidak sah. / Invalid year.")
    if entry_level not in s.LEVELS:
        raise PartisipasiError("Pilih tingkat musrenbang. / Choose the planning round.")
    title, description, forum_anak = (
        (title or "").strip(),
        (description or "").strip(),
        (forum_anak or "").strip(),
    )
    if not title or not description or not forum_anak:
        raise PartisipasiError(
            "Judul, uraian dan Forum Anak pengusul wajib diisi. / Title, description and the proposing "
            "Forum Anak are required."
        )
    if len(title) > s.TITLE_MAX or len(description) > s.DESCRIPTION_MAX or len(forum_anak) > 200:
        raise PartisipasiError(
            f"Judul ≤ {s.TITLE_MAX}, uraian ≤ {s.DESCRIPTION_MAX}, Forum Anak ≤ 200 karakter. / "
            f"Title ≤ {s.TITLE_MAX}, description ≤ {s.DESCRIPTION_MAX}, Forum Anak ≤ 200 characters."
        )
    if any(s.has_script(text) for text in (title, description, forum_anak)):
        raise PartisipasiError("Teks tidak boleh berisi tag script. / The text may not contain script tags.")
    if sector not in Proposal.Sector.values:
        raise PartisipasiError("Pilih bidang. / Choose the sector.")
    desa = Desa.objects.select_related("kecamatan").filter(code=(desa_code or "").strip()).first()
    kecamatan = Kecamatan.objects.filter(code=(kecamatan_code or "").strip()).first()
    if entry_level == s.DESA and desa is None:
        raise PartisipasiError("Musrenbang desa: pilih desa. / A desa round needs its desa.")
    if desa is not None:
        kecamatan = desa.kecamatan  # the desa decides its kecamatan: no contradiction possible
    if entry_level == s.KECAMATAN and kecamatan is None:
        raise PartisipasiError(
            "Musrenbang kecamatan: pilih kecamatan. / A kecamatan round needs its kecamatan."
        )
    proposal = Proposal.objects.create(
        year=year_n,
        entry_level=entry_level,
        title=title,
        description=description,
        forum_anak=forum_anak,
        sector=sector,
        desa=desa,
        kecamatan=kecamatan,
        recorded_by=user,
        demo_key=demo_key,
    )
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=user,
        request=request,
        subject_type="musrenbang_proposal",
        subject_id=proposal.pk,
        detail={"event": "recorded", "level": entry_level, "year": year_n},
    )
    return proposal


def proposal_next_level(proposal: Proposal) -> str | None:
    """The round whose outcome is due next (None once the proposal's way has ended)."""
    previous = [(o.level, o.outcome) for o in proposal.outcomes.order_by("decided_on", "id")]
    return s.expected_level(proposal.entry_level, _in_round_order(previous))


def _in_round_order(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda p: s.LEVELS.index(p[0]))


@transaction.atomic
def proposal_outcome_record(
    *,
    user: Any,
    proposal: Proposal,
    level: str,
    outcome: str,
    decided_on: date,
    reason: str = "",
    amount: int | str | None = None,
    request: HttpRequest | None = None,
) -> ProposalOutcome:
    """One round's outcome, in the order of the rounds (states.outcome_check)."""
    _require(user, Capability.RECORD_MUSRENBANG)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    amount_n: int | None = None
    if amount not in (None, ""):
        try:
            amount_n = int(str(amount).replace(".", "").replace(",", "").strip())
        except ValueError as exc:
            raise PartisipasiError("Jumlah dana harus angka. / The amount must be a number.") from exc
    reason = (reason or "").strip()
    previous = _in_round_order([(o.level, o.outcome) for o in proposal.outcomes.all()])
    try:
        s.outcome_check(
            entry_level=proposal.entry_level,
            previous=previous,
            level=level,
            outcome=outcome,
            reason=reason,
            amount=amount_n,
        )
    except ValueError as exc:
        raise PartisipasiError(str(exc)) from exc
    last = proposal.outcomes.order_by("-decided_on").first()
    if last is not None and decided_on < last.decided_on:
        raise PartisipasiError(
            "Tanggal musrenbang sebelum tingkat sebelumnya. / "
            "The round's date is before the previous round's."
        )
    result = ProposalOutcome.objects.create(
        proposal=proposal,
        level=level,
        outcome=outcome,
        reason=reason,
        amount=amount_n,
        decided_on=decided_on,
        recorded_by=user,
    )
    audit_record(
        action=AuditAction.PARTICIPATION_VIEWED,
        actor=user,
        request=request,
        subject_type="musrenbang_proposal",
        subject_id=proposal.pk,
        detail={"event": "outcome", "level": level, "outcome": outcome},
    )
    return result
