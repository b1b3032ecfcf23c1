"""Retention (issue 18, part 4) for people: the steward's page and the "left the district" form.

- `/tata-kelola/retensi/` (MANAGE_DATA_GOVERNANCE): the rules in force (data/governance/
  retention.json), the dry run for today — how many records per rule and source are past their
  time and how many children would be anonymised — and a button that runs it, after an explicit
  confirmation. Past runs are read from the audit log. Counts only: no child is named, so the page
  asks no session purpose.
- `/anak/<id>/pindah/` (PROCESS_ADMINDUK: Disdukcapil, who learns of a move, and the steward):
  record the day a child left Kabupaten Bengkayang (or clear it), which starts the
  `left_district` clock. The child is opened through the scoped, audited selector.

The work itself is in governance/retention_services.py; bad input is a 400 with a bilingual message.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.access.selectors import access_child_by_id
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.audit.services import audit_record
from satuanak.common.clock import today
from satuanak.governance.retention import LEFT_DISTRICT, TURNS_18, RetentionRulesError
from satuanak.governance.retention_services import retention_dry_run, retention_rules, retention_run
from satuanak.governance.selectors import sealed_through


def _page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    day = today()
    try:
        rules = retention_rules()
        report = retention_dry_run(today=day, rules=rules)
    except RetentionRulesError as exc:
        return render(request, "web/governance/retention.html", {"error": str(exc), "today": day}, status=400)
    runs = AuditEvent.objects.filter(action=AuditAction.RETENTION_RUN).order_by("-at")[:10]
    return render(
        request,
        "web/governance/retention.html",
        {
            "today": day,
            "rules": [
                {
                    "rule": r,
                    "turns_18": r.keep_years.get(TURNS_18),
                    "left": r.keep_years.get(LEFT_DISTRICT),
                    "past": report.plan.by_rule.get(r.key, 0),
                }
                for r in rules.rules
            ],
            "version": rules.version,
            "summary": report.summary(),
            "by_source": report.plan.by_source,
            "runs": runs,
            "sealed": sealed_through(),
            "error": error,
        },
        status=status,
    )


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE, purpose=False)
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        audit_record(
            action=AuditAction.GOVERNANCE_VIEWED,
            actor=request.user,
            request=request,
            detail={"page": "retention"},
        )
        return _page(request)
    if request.POST.get("yakin") != "1":
        return _page(
            request,
            error="Centang konfirmasi dulu: penghapusan tidak dapat dibatalkan. / Tick the confirmation "
            "first: removal cannot be undone.",
            status=400,
        )
    done = retention_run(actor=request.user, today=today(), request=request)
    messages.success(
        request,
        f"Retensi dijalankan: {done.records_past} rekaman dihapus, {done.children_anonymised} anak "
        f"dianonimkan. / Retention run: {done.records_past} records removed, "
        f"{done.children_anonymised} children anonymised.",
    )
    return redirect(reverse("web:governance-retention"))


@personal_data_view(Capability.PROCESS_ADMINDUK)
@require_POST
def child_left_district(request: HttpRequest, child_id: int) -> HttpResponse:
    from satuanak.governance.retention_services import child_left_district_record

    child = access_child_by_id(user=request.user, child_id=child_id, request=request)
    raw = request.POST.get("tanggal", "").strip()
    on: date | None = None
    if raw:
        try:
            on = date.fromisoformat(raw)
        except ValueError:
            on = None
            error = f"Tanggal tidak sah: {raw} (TTTT-BB-HH). / Invalid date: {raw}."
        else:
            error = "" if on <= today() else "Tanggal pindah di masa depan. / The move date is in the future."
        if error:
            return render(request, "400.html", {"detail": error}, status=400)
    child_left_district_record(child=child, on=on, actor=request.user, request=request)
    messages.success(
        request,
        "Tanggal pindah dicatat. / Move recorded." if on else "Tanggal pindah dihapus. / Move cleared.",
    )
    return redirect(reverse("web:child-detail", args=[child.pk]))


urlpatterns: list[URLPattern] = [
    path("tata-kelola/retensi/", retention, name="governance-retention"),
    path("anak/<int:child_id>/pindah/", child_left_district, name="child-left-district"),
]
