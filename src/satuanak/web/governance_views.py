"""Pages of issue 18 (data governance under the PDP law), first part: the breach and incident log.

- `/tata-kelola/insiden/`: the log (each incident, what it touched, how many children, the
  deadline of UU 27/2022 art. 46 — 3 x 24 hours from discovery — and whether the institution and
  the people affected were notified in time), a form to record one, and per incident the
  actions "notified" and "close" (POST to the same address, `aksi=...`).

The data steward only (MANAGE_DATA_GOVERNANCE). An incident's record names no child: counts and
kinds of data only. Every look and change is audited; bad input is a 400 with a bilingual message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.sources import Source
from satuanak.governance.models import NOTIFY_WITHIN, Incident
from satuanak.governance.selectors import incident_rows
from satuanak.governance.services import GovernanceError, incident_close, incident_notify, incident_record


def _audit(request: HttpRequest, action: AuditAction, subject_id: Any = "", **detail: Any) -> None:
    audit_record(
        action=action,
        actor=request.user,
        request=request,
        subject_type="incident",
        subject_id=subject_id,
        detail=detail,
    )


def _page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/governance/incidents.html",
        {
            "rows": incident_rows(),
            "kinds": Incident.DataKind.choices,
            "sources": [(s.value, s.label) for s in Source],
            "hours": int(NOTIFY_WITHIN.total_seconds() // 3600),
            "error": error,
        },
        status=status,
    )


def _incident(request: HttpRequest) -> Incident:
    try:
        pk = int(request.POST.get("insiden", ""))
    except ValueError:
        raise GovernanceError("Insiden tidak dikenal. / Unknown incident.") from None
    found = Incident.objects.filter(pk=pk).first()
    if found is None:
        raise GovernanceError("Insiden tidak dikenal. / Unknown incident.")
    return found


@personal_data_view(Capability.MANAGE_DATA_GOVERNANCE)
@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _audit(request, AuditAction.GOVERNANCE_VIEWED, page="incidents")
        return _page(request)
    action = request.POST.get("aksi", "")
    p = request.POST
    try:
        if action == "catat":
            i = incident_record(
                user=request.user,
                discovered_at=p.get("diketahui", ""),
                occurred_on=p.get("terjadi", ""),
                title=p.get("judul", ""),
                description=p.get("uraian", ""),
                data_kinds=p.getlist("jenis"),
                sources=p.getlist("sumber"),
                children_affected=p.get("anak", ""),
                others_affected=p.get("lainnya", "0"),
                containment=p.get("penanganan", ""),
            )
            done = "Insiden dicatat. / Incident recorded."
        elif action == "beritahu":
            i = incident_notify(
                incident=_incident(request),
                whom=p.get("kepada", ""),
                at=p.get("waktu", ""),
                note=p.get("catatan", ""),
            )
            done = "Pemberitahuan dicatat. / Notification recorded."
        elif action == "tutup":
            i = incident_close(incident=_incident(request), containment=p.get("penanganan", ""))
            done = "Insiden ditutup. / Incident closed."
        else:
            raise GovernanceError("Tindakan tidak dikenal. / Unknown action.")
    except GovernanceError as exc:
        return _page(request, error=str(exc), status=400)
    _audit(request, AuditAction.RECORD_CHANGED, subject_id=i.pk, step=action, status=i.status)
    messages.success(request, done)
    return redirect(reverse("web:governance-incidents") + f"#insiden-{i.pk}")


urlpatterns: list[URLPattern] = [
    path("tata-kelola/insiden/", incidents, name="governance-incidents"),
]
