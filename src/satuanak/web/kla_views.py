"""Pages of issue 11: the KLA (Kabupaten Layak Anak) evaluation.

- `/kla/` (kla-scorecard): the estimated score of a quarter, its category, the gap to 801,
  each indicator's value, numerator, denominator, data date, source and points, and what moves
  the score most. Every signed-in role (VIEW_AGGREGATES); small counts are shown as "<5" to
  the public.
- `/kla/what-if/` (kla-what-if): improvements per indicator -> recomputed total and category.
- `/kla/indikator/` (kla-indicators): the task force (KLA_MANAGE) edits weights, targets, zero
  points, the verified flag and the platform source in a draft version, then publishes it.
- `/kla/nilai/` (kla-values): a responsible agency (KLA_ENTER_VALUES) enters a value with
  evidence; `/kla/nilai/bukti/<id>/` (kla-evidence) serves one evidence file.
- `/kla/peta-jalan/` (kla-roadmap): the roadmap's KPIs with their actuals.

Aggregates only. Every gated look is audited; bad input answers 400 with a bilingual message
and saves nothing. Every page states that the score is an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from satuanak.access.decorators import personal_data_view
from satuanak.access.policy import Capability, role_can
from satuanak.accounts.roles import Role
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.common import clock, uploads
from satuanak.kla import scoring
from satuanak.kla.models import ValueEvidence
from satuanak.kla.scoring import IndicatorScore, Scorecard
from satuanak.kla.selectors import (
    PLATFORM_COMPUTATIONS,
    PLATFORM_LABELS,
    KlaError,
    entered_history,
    indicator_set_draft,
    indicator_set_published,
    indicators_of,
    kla_platform_values,
    kla_roadmap,
    kla_scorecard,
    period_bounds,
    period_of,
    previous_period,
)
from satuanak.kla.services import (
    MAX_EVIDENCE_BYTES,
    kla_indicator_edit,
    kla_set_draft,
    kla_set_publish,
    kla_value_enter,
)

NO_SET = (
    "Set indikator KLA belum dimuat (satuanak kla load-indicators). / "
    "No KLA indicator set loaded yet (satuanak kla load-indicators)."
)
MIN_COUNT = 5  # counts under 5 are shown as "<5" to the public
MIN_DENOMINATOR = 10  # a share of fewer than 10 is not shown to the public


def _looked(request: HttpRequest, subject_type: str, **detail: Any) -> None:
    audit_record(
        action=AuditAction.CHILD_LIST_VIEWED,
        actor=request.user,
        request=request,
        subject_type=subject_type,
        detail=detail,
    )


def default_period(today: date) -> str:
    """The last complete quarter: the figures of the running one are still coming in."""
    return previous_period(period_of(today))


def _period(data: Any) -> str:
    text = (data.get("periode", "") or "").strip() or default_period(clock.today())
    period_bounds(text)
    return text


def _version(data: Any) -> int | None:
    text = (data.get("versi", "") or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise KlaError("Versi harus angka. / The version must be a number.") from exc


def _periods(today: date, chosen: str) -> list[str]:
    out = [period_of(today)]
    while len(out) < 10:
        out.append(previous_period(out[-1]))
    return sorted({*out, chosen}, reverse=True)


@dataclass(frozen=True)
class Row:
    s: IndicatorScore
    value_text: str
    numerator_text: str
    denominator_text: str
    percent: int  # points / weight, for the bar


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    text = f"{v:.1f}".rstrip("0").rstrip(".") if unit != "jumlah" else f"{v:g}"
    return f"{text}%" if unit == "%" else text


def _rows(card: Scorecard, *, public: bool) -> list[Row]:
    out = []
    for s in card.indicators:
        num, den, value = s.numerator, s.denominator, _fmt(s.value, s.unit)
        hide = public and den is not None and den < MIN_DENOMINATOR
        out.append(
            Row(
                s,
                "disensor / suppressed" if hide else value,
                "—" if num is None else ("<5" if public and num < MIN_COUNT else str(num)),
                "—" if den is None else ("<10" if hide else str(den)),
                s.percent_of_weight,
            )
        )
    return out


def _public(request: HttpRequest) -> bool:
    return getattr(request.user, "role", "") == Role.PUBLIC


def _clusters(rows: list[Row]) -> list[tuple[str, list[Row], float, float]]:
    grouped: dict[str, list[Row]] = {}
    for r in rows:
        grouped.setdefault(r.s.cluster, []).append(r)
    return [
        (c, rs, round(sum(r.s.points for r in rs), 2), round(sum(r.s.weight for r in rs), 2))
        for c, rs in grouped.items()
    ]


@personal_data_view(Capability.VIEW_AGGREGATES)
@require_GET
def scorecard_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    error, notice, card, period = "", "", None, default_period(today)
    try:
        period = _period(request.GET)
        version = _version(request.GET)
        if version is None and indicator_set_published() is None:
            notice = NO_SET
        else:
            card = kla_scorecard(period=period, version=version)
    except KlaError as exc:
        error = str(exc)
    _looked(request, "kla_scorecard", period=period, total=card.total if card else None)
    public = _public(request)
    rows = _rows(card, public=public) if card else []
    by_code = {r.s.code: r for r in rows}
    moves = [by_code[s.code] for s in scoring.what_moves(card)] if card else []
    return render(
        request,
        "web/kla/scorecard.html",
        {
            "card": card,
            "error": error,
            "notice": notice,
            "period": period,
            "periods": _periods(today, period),
            "clusters": _clusters(rows),
            "moves": moves,
            "statement_id": scoring.STATEMENT_ID,
            "statement_en": scoring.STATEMENT_EN,
            "utama": scoring.UTAMA,
            "extra": [] if public or not card else _extra(period),
            "can_manage": role_can(getattr(request.user, "role", ""), Capability.KLA_MANAGE),
            "can_enter": role_can(getattr(request.user, "role", ""), Capability.KLA_ENTER_VALUES),
        },
        status=400 if error else 200,
    )


def _extra(period: str) -> list[tuple[str, str, Any]]:
    """Platform figures no indicator of the set uses (KIA, immunisation, online share...)."""
    used = {i.platform_source for i in indicators_of(s)} if (s := indicator_set_published()) else set()
    out = []
    for name, v in kla_platform_values(period=period).items():
        if name not in used:
            label_id, label_en = PLATFORM_LABELS[name]
            out.append((label_id, label_en, v))
    return out


MAX_IMPROVEMENT = 1000.0


def improvements_from(data: Any, card: Scorecard) -> dict[str, float]:
    """{code: improvement} from the form fields `u-<code>`; KlaError for a bad number."""
    out: dict[str, float] = {}
    for s in card.indicators:
        text = (data.get(f"u-{s.code}", "") or "").strip().replace(",", ".")
        if not text:
            continue
        try:
            amount = float(text)
        except ValueError as exc:
            raise KlaError(f"{s.code}: bukan angka. / {s.code}: not a number.") from exc
        if amount != amount or not -MAX_IMPROVEMENT <= amount <= MAX_IMPROVEMENT:
            raise KlaError(f"{s.code}: angka di luar batas. / {s.code}: number out of range.")
        if amount:
            out[s.code] = amount
    unknown = sorted(
        k[2:] for k in data if k.startswith("u-") and k[2:] not in {s.code for s in card.indicators}
    )
    if unknown:
        raise KlaError(f"Indikator tidak dikenal: {unknown[0][:20]}. / Unknown indicator: {unknown[0][:20]}.")
    return out


@personal_data_view(Capability.VIEW_AGGREGATES)
@require_GET
def what_if_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    error, card, after, period = "", None, None, default_period(today)
    improvements: dict[str, float] = {}
    notice = ""
    try:
        period = _period(request.GET)
        version = _version(request.GET)
        if version is None and indicator_set_published() is None:
            notice = NO_SET
        else:
            card = kla_scorecard(period=period, version=version)
            improvements = improvements_from(request.GET, card)
            after = scoring.what_if(card, improvements)
    except (KlaError, scoring.ScoringError) as exc:
        error = str(exc)
    _looked(request, "kla_what_if", period=period, improvements=improvements)
    rows = []
    if card is not None:
        changed = {s.code: s for s in after.indicators} if after else {}
        for s in scoring.what_moves(card):
            rows.append((s, changed.get(s.code), request.GET.get(f"u-{s.code}", "")))
    return render(
        request,
        "web/kla/what_if.html",
        {
            "card": card,
            "after": after,
            "rows": rows,
            "error": error,
            "notice": notice,
            "period": period,
            "periods": _periods(today, period),
            "statement_id": scoring.STATEMENT_ID,
            "statement_en": scoring.STATEMENT_EN,
            "public": _public(request),
        },
        status=400 if error else 200,
    )


# --- the indicator set editor ----------------------------------------------------------------

EDIT_FIELDS = (("weight", "bobot"), ("target", "target"), ("zero_point", "nol"))


def _changes(data: Any, codes: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        c: dict[str, Any] = {}
        for field, name in EDIT_FIELDS:
            if f"{name}-{code}" in data:
                c[field] = data.get(f"{name}-{code}", "")
        if f"sumber-{code}" in data:
            c["platform_source"] = data.get(f"sumber-{code}", "")
        c["verified"] = data.get(f"verif-{code}", "") == "1"
        out[code] = c
    return out


@personal_data_view(Capability.KLA_MANAGE)
@require_http_methods(["GET", "POST"])
def indicators_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    if request.method == "POST":
        action = request.POST.get("aksi", "")
        try:
            if action == "draf":
                kla_set_draft(user=user, request=request)
            elif action in ("simpan", "terbitkan"):
                draft = indicator_set_draft()
                if draft is None:
                    raise KlaError("Belum ada draf. / There is no draft.")
                codes = [i.code for i in indicators_of(draft)]
                if action == "simpan":
                    kla_indicator_edit(
                        user=user, indicator_set=draft, changes=_changes(request.POST, codes), request=request
                    )
                else:
                    try:
                        valid_from = date.fromisoformat(request.POST.get("berlaku", "").strip())
                    except ValueError as exc:
                        raise KlaError(
                            "Tanggal berlaku tidak sah (YYYY-MM-DD). / Invalid valid-from date (YYYY-MM-DD)."
                        ) from exc
                    kla_set_publish(user=user, indicator_set=draft, valid_from=valid_from, request=request)
            else:
                raise KlaError("Aksi tidak dikenal. / Unknown action.")
        except KlaError as exc:
            error = str(exc)
        else:
            return redirect(reverse("web:kla-indicators"))
    else:
        _looked(request, "kla_indicator_set")
    published, draft = indicator_set_published(), indicator_set_draft()
    shown = draft or published
    inds = indicators_of(shown) if shown else []
    return render(
        request,
        "web/kla/indicators.html",
        {
            "published": published,
            "draft": draft,
            "indicators": inds,
            "weight_total": round(sum(i.weight for i in inds), 2),
            "platform_sources": sorted(PLATFORM_COMPUTATIONS),
            "error": error,
            "today": clock.today(),
            "form": request.POST if request.method == "POST" else {},
            "statement_id": scoring.STATEMENT_ID,
            "statement_en": scoring.STATEMENT_EN,
        },
        status=400 if error else 200,
    )


# --- entered values ------------------------------------------------------------------------


@personal_data_view(Capability.KLA_ENTER_VALUES)
@require_http_methods(["GET", "POST"])
def values_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    today = clock.today()
    form: dict[str, Any] = {
        "kode": request.GET.get("kode", ""),
        "periode": request.GET.get("periode", "") or default_period(today),
    }
    if request.method == "POST":
        form = {
            k: request.POST.get(k, "")
            for k in ("kode", "periode", "nilai", "pembilang", "penyebut", "tanggal", "catatan")
        }
        try:
            text = form["tanggal"].strip()
            try:
                data_date = date.fromisoformat(text) if text else None
            except ValueError as exc:
                raise KlaError(
                    "Tanggal data tidak sah (YYYY-MM-DD). / Invalid data date (YYYY-MM-DD)."
                ) from exc
            if data_date is not None and data_date > today:
                raise KlaError("Tanggal data di masa depan. / The data date is in the future.")
            entry = kla_value_enter(
                user=user,
                code=form["kode"],
                period=form["periode"],
                value=form["nilai"],
                numerator=form["pembilang"],
                denominator=form["penyebut"],
                data_date=data_date,
                note=form["catatan"],
                files=request.FILES.getlist("bukti"),
                request=request,
            )
        except KlaError as exc:
            error = str(exc)
        else:
            return redirect(f"{reverse('web:kla-values')}?kode={entry.code}&periode={entry.period}")
    else:
        _looked(request, "kla_values")
    published = indicator_set_published()
    inds = indicators_of(published) if published else []
    return render(
        request,
        "web/kla/values.html",
        {
            "indicators": inds,
            "form": form,
            "error": error,
            "history": entered_history(),
            "periods": _periods(today, default_period(today)),
            "max_mb": MAX_EVIDENCE_BYTES // (1024 * 1024),
            "today": today,
            "statement_id": scoring.STATEMENT_ID,
            "statement_en": scoring.STATEMENT_EN,
        },
        status=400 if error else 200,
    )


@personal_data_view(Capability.KLA_ENTER_VALUES)
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    ev = ValueEvidence.objects.select_related("entered_value").filter(pk=evidence_id).first()
    if ev is None:
        raise Http404("Bukti tidak ditemukan / evidence not found")
    target = uploads.stored_path(ev.stored_name)
    if not target.exists():
        raise Http404("Berkas tidak ada / file missing")
    audit_record(
        action=AuditAction.FILE_DOWNLOADED,
        actor=request.user,
        request=request,
        subject_type="kla_evidence",
        subject_id=ev.pk,
        detail={"code": ev.entered_value.code, "period": ev.entered_value.period},
    )
    inline = request.GET.get("lihat") == "1" and ev.content_type in uploads.IMAGE_TYPES
    return uploads.file_response(
        stored_name=ev.stored_name,
        content_type=ev.content_type,
        original_name=ev.original_name,
        inline=inline,
    )


@personal_data_view(Capability.VIEW_AGGREGATES)
@require_GET
def roadmap_page(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    kpis = kla_roadmap(today=today)
    _looked(request, "kla_roadmap", today=today.isoformat())
    phases: dict[str, list[Any]] = {}
    for k in kpis:
        phases.setdefault(k.phase, []).append(k)
    return render(
        request,
        "web/kla/roadmap.html",
        {
            "phases": list(phases.items()),
            "today": today,
            "statement_id": scoring.STATEMENT_ID,
            "statement_en": scoring.STATEMENT_EN,
        },
    )


urlpatterns: list[URLPattern] = [
    path("kla/", scorecard_page, name="kla-scorecard"),
    path("kla/what-if/", what_if_page, name="kla-what-if"),
    path("kla/indikator/", indicators_page, name="kla-indicators"),
    path("kla/nilai/", values_page, name="kla-values"),
    path("kla/nilai/bukti/<int:evidence_id>/", evidence_download, name="kla-evidence"),
    path("kla/peta-jalan/", roadmap_page, name="kla-roadmap"),
]


# --- the quarterly report for the task force (issue 11 part 6) ------------------------------------
# One block at the end of the file, with its own (aliased) imports; its route is appended to
# urlpatterns.

from django import shortcuts as _shortcuts  # noqa: E402
from django import urls as _urls  # noqa: E402
from django.http import HttpRequest as _Request  # noqa: E402
from django.http import HttpResponse as _Response  # noqa: E402
from django.views.decorators import http as _http  # noqa: E402

from satuanak.access import decorators as _access  # noqa: E402
from satuanak.access import policy as _policy  # noqa: E402
from satuanak.audit import models as _audit_models  # noqa: E402
from satuanak.audit import services as _audit  # noqa: E402

REPORT_FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@_access.personal_data_view(_policy.Capability.VIEW_AGGREGATES)
@_http.require_GET
def kla_report_download(request: _Request, quarter: str, fmt: str) -> _Response:
    """The quarterly report of one quarter as PDF or Excel (aggregates only), figures as of the
    quarter's end; the download is audited."""
    from satuanak.kla.report import QuarterError, quarter_parse, report_build, report_filename
    from satuanak.kla.selectors import KlaError

    fmt = fmt.lower()
    try:
        quarter, _, _ = quarter_parse(quarter)
    except QuarterError as exc:
        return _shortcuts.render(request, "400.html", {"detail": str(exc)}, status=400)
    if fmt not in REPORT_FORMATS:
        return _shortcuts.render(
            request,
            "400.html",
            {"detail": f"Format tidak dikenal: {fmt!r} (pdf/xlsx). / Unknown format: {fmt!r} (pdf/xlsx)."},
            status=400,
        )
    try:
        report = report_build(quarter=quarter)
    except KlaError as exc:
        return _shortcuts.render(request, "400.html", {"detail": str(exc)}, status=400)
    if fmt == "pdf":
        from satuanak.kla.report_pdf import report_pdf

        body = report_pdf(report)
    else:
        from satuanak.kla.report_xlsx import report_xlsx

        body = report_xlsx(report)
    _audit.audit_record(
        action=_audit_models.AuditAction.EXPORTED,
        actor=request.user,
        request=request,
        subject_type="kla_report",
        subject_id=quarter,
        detail={"format": fmt, "total": report.scorecard.total, "version": report.scorecard.version},
    )
    response = _Response(body, content_type=REPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report_filename(quarter, fmt)}"'
    return response


urlpatterns += [_urls.path("kla/laporan/<str:quarter>.<str:fmt>", kla_report_download, name="kla-report")]
