"""Pages of CEGAH DINI (issue 13, part 4; see satuanak.cegah):

- `/cegah/`: coverage of the chosen school year — MPLS at SMP/MTs, Bimwin at the KUA — per
  kecamatan and district, per quarter; the schools and KUA not yet reached (the list to act on);
  the desa's child-marriage flag rates before and after the kecamatan's first session.
- `/cegah/sesi/`: the sessions recorded, with the form to record one.
- `/cegah/sesi/<id>/`: one session.

No personal data (venues, counts, aggregates), but the pages are for the agencies that run the
programme: gated by RECORD_PREVENTION_SESSIONS (health, education, the planner, the steward).
Every look is audited (PREVENTION_VIEWED); bad input gets the page again with a bilingual message
and a 400, and nothing is saved; an unknown session is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability
from satuanak.access.selectors import AccessDenied
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.cegah import coverage as cov
from satuanak.cegah import selectors as sel
from satuanak.cegah.models import Session
from satuanak.cegah.services import EARLIEST_SESSION, MAX_PARTICIPANTS, CegahError, prevention_session_record
from satuanak.common import clock

LIST_LIMIT = 300  # sessions shown on the list page; a district records a few hundred a year


def _looked(request: HttpRequest, subject_type: str, subject_id: int | str = "", **detail: Any) -> None:
    audit_record(
        action=AuditAction.PREVENTION_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _default_quarter(school_year: str, today: date) -> str:
    """Today's quarter in the current school year; else the last quarter of a past school year,
    the first of a future one."""
    quarters = cov.quarters_of_school_year(school_year)
    now = cov.quarter_of(today)
    if now in quarters:
        return now
    return quarters[-1] if cov.school_year_bounds(school_year)[1] < today else quarters[0]


def _bar(c: cov.AreaCoverage) -> dict[str, Any]:
    return {"c": c, "pct": c.pct, "width": round(c.pct or 0)}


def _kecamatan_rows(view: sel.Overview) -> list[dict[str, Any]]:
    """One row per kecamatan with a KUA or an SMP/MTs: its MPLS share and its KUA reached."""
    rows: dict[str, dict[str, Any]] = {}
    for name, c in (("mpls", view.mpls), ("bimwin_q", view.bimwin_quarter), ("bimwin_y", view.bimwin_year)):
        for k in c.per_kecamatan:
            rows.setdefault(k.code, {"code": k.code, "name": k.name})[name] = _bar(k)
    return [rows[code] for code in sorted(rows)]


@personal_data_view(Capability.RECORD_PREVENTION_SESSIONS)
@require_GET
def cegah_overview(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    school_year = request.GET.get("tahun", "").strip() or cov.school_year_of(today)
    error = ""
    view: sel.Overview | None = None
    quarter = ""
    try:
        cov.school_year_bounds(school_year)
        quarter = request.GET.get("triwulan", "").strip() or _default_quarter(school_year, today)
        view = sel.cegah_overview(school_year=school_year, quarter=quarter)
    except cov.PeriodError as exc:
        error = str(exc)
    _looked(request, "cegah_overview", school_year=school_year[:20], quarter=quarter[:20], error=bool(error))
    context: dict[str, Any] = {
        "error": error,
        "view": view,
        "school_year": school_year,
        "school_years": sel.school_years_known(today),
        "quarter": quarter,
        "today": today,
    }
    if view is not None:
        context.update(
            {
                "quarters_of_year": cov.quarters_of_school_year(school_year),
                "mpls_district": _bar(view.mpls.district),
                "bimwin_quarter_district": _bar(view.bimwin_quarter.district),
                "bimwin_year_district": _bar(view.bimwin_year.district),
                "kecamatan_rows": _kecamatan_rows(view),
                "quarter_rows": [
                    {
                        "row": r,
                        "bimwin": _bar(r.bimwin.district),
                        "mpls": _bar(r.mpls_to_date.district),
                        # A quarter still to come has no coverage yet, not 0%.
                        "future": cov.quarter_bounds(r.quarter)[0] > today,
                    }
                    for r in view.quarters
                ],
            }
        )
    return render(request, "web/cegah/overview.html", context, status=400 if error else 200)


# --- sessions ----------------------------------------------------------------------------------

FORM_FIELDS = ("jenis", "tanggal", "tempat", "perempuan", "laki", "narasumber", "catatan")


def _session_form(data: Any) -> dict[str, Any]:
    form: dict[str, Any] = {k: data.get(k, "") for k in FORM_FIELDS}
    form["modul"] = data.get("modul", "") == "1"
    return form


def _venue(raw: str) -> tuple[str, int]:
    """("kua" | "school", id) from the form's "kua:12" / "school:34"."""
    kind, _, pk = raw.strip().partition(":")
    if kind not in ("kua", "school") or not pk.isdigit():
        raise CegahError("Pilih tempat sesi. / Choose the session's venue.")
    return kind, int(pk)


def _record(request: HttpRequest, form: dict[str, Any]) -> Session:
    try:
        day = date.fromisoformat(str(form["tanggal"]).strip())
    except ValueError as exc:
        raise CegahError("Tanggal tidak sah (TTTT-BB-HH). / Invalid date (YYYY-MM-DD).") from exc
    venue_kind, venue_id = _venue(str(form["tempat"]))
    return prevention_session_record(
        user=request.user,
        kind=str(form["jenis"]),
        date=day,
        venue_kind=venue_kind,
        venue_id=venue_id,
        health_module=bool(form["modul"]),
        participants_female=form["perempuan"],
        participants_male=form["laki"],
        facilitators=str(form["narasumber"]),
        notes=str(form["catatan"]),
        request=request,
    )


@personal_data_view(Capability.RECORD_PREVENTION_SESSIONS)
@require_http_methods(["GET", "POST"])
def cegah_sessions(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    error = ""
    form = _session_form({})
    if request.method == "POST":
        form = _session_form(request.POST)
        try:
            session = _record(request, form)
        except AccessDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except CegahError as exc:
            error = str(exc)
        else:
            return redirect("web:cegah-session", prevention_session_id=session.pk)
    kind = request.GET.get("jenis", "").strip()
    school_year = request.GET.get("tahun", "").strip()
    if kind and kind not in Session.Kind.values:
        error = (
            error or "Jenis sesi tidak dikenal (Bimwin atau MPLS). / Unknown session kind (Bimwin or MPLS)."
        )
        kind = ""
    if school_year:
        try:
            cov.school_year_bounds(school_year)
        except cov.PeriodError as exc:
            error = error or str(exc)
            school_year = ""
    found = sel.sessions(kind=kind, school_year=school_year)
    total = found.count()
    _looked(request, "cegah_sessions", kind=kind, school_year=school_year, shown=min(total, LIST_LIMIT))
    return render(
        request,
        "web/cegah/sessions.html",
        {
            "rows": list(found[:LIST_LIMIT]),
            "total": total,
            "limit": LIST_LIMIT,
            "kind": kind,
            "school_year": school_year,
            "school_years": sel.school_years_known(today),
            "kinds": Session.Kind.choices,
            "kua_options": [(f"kua:{k.pk}", k.name) for k in sel.kua_list()],
            "school_options": [
                (f"school:{x.pk}", f"{x.name} - {x.kecamatan.name}") for x in sel.mpls_schools()
            ],
            "form": form,
            "error": error,
            "today": today,
            "earliest": EARLIEST_SESSION,
            "max_participants": MAX_PARTICIPANTS - 1,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.RECORD_PREVENTION_SESSIONS)
@require_GET
def cegah_session(request: HttpRequest, prevention_session_id: int) -> HttpResponse:
    session = sel.session_get(prevention_session_id)
    _looked(request, "cegah_session", prevention_session_id, found=session is not None)
    if session is None:
        raise Http404("Sesi tidak ditemukan / session not found")
    return render(request, "web/cegah/session.html", {"s": session})


urlpatterns: list[URLPattern] = [
    path("cegah/", cegah_overview, name="cegah-overview"),
    path("cegah/sesi/", cegah_sessions, name="cegah-sessions"),
    path("cegah/sesi/<int:prevention_session_id>/", cegah_session, name="cegah-session"),
]
