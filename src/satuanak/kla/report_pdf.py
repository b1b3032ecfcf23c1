"""The quarterly report as a PDF: a Django template (web/kla/report_pdf.html) rendered to HTML,
then to A4 pages by WeasyPrint — cover, table of contents, one section per part, page numbers.

Maps are inline SVG drawn here from the desa boundaries (GeoJSON in regions.Desa): longitude and
latitude are projected linearly, longitude shrunk by cos(latitude) so that the district keeps
its shape (at 1° N the correction is tiny, but it is the honest projection). Fonts come from the
system (DejaVu, fonts-dejavu-core); nothing is fetched from the network — a URL fetcher that
refuses every URL makes sure of it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from django.template.loader import render_to_string

from satuanak.common import clock
from satuanak.kla.report import SECTIONS, IndicatorMap, KlaReport, NutritionRow, small

# WeasyPrint and fontTools log every font subset and CSS property they skip: not for our logs.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)

# Five classes, light to dark (ColorBrewer YlOrRd), and the two greys of cells without a rate.
CLASS_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
FEW_COLOUR = "#d9d9d9"
SUPPRESSED_COLOUR = "#a6a6a6"
NO_DATA_COLOUR = "#ffffff"
HOTSPOT_COLOURS = {"hot": "#d7301f", "cold": "#2c7fb8", "none": "#f0f0f0"}
MAP_WIDTH = 620.0  # SVG user units; the figure is scaled to the page's width by CSS


@dataclass(frozen=True)
class _Shape:
    code: str
    path: str


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for poly in coords for ring in poly]
    return []


def desa_shapes() -> tuple[list[_Shape], float, float]:
    """Every desa's outline as an SVG path in a frame MAP_WIDTH wide; (shapes, width, height)."""
    from satuanak.regions.models import Desa

    rows = [
        (d.code, _rings(d.geometry)) for d in Desa.objects.only("code", "name", "geometry").order_by("code")
    ]
    points = [pt for _, rings in rows for ring in rings for pt in ring]
    if not points:
        return [], MAP_WIDTH, MAP_WIDTH * 0.75
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    lon0, lon1, lat0, lat1 = min(lons), max(lons), min(lats), max(lats)
    k = math.cos(math.radians((lat0 + lat1) / 2))
    span_x, span_y = max((lon1 - lon0) * k, 1e-9), max(lat1 - lat0, 1e-9)
    scale = MAP_WIDTH / span_x
    height = span_y * scale
    shapes = []
    for code, rings in rows:
        parts = []
        for ring in rings:
            xy = [f"{(p[0] - lon0) * k * scale:.1f} {(lat1 - p[1]) * scale:.1f}" for p in ring]
            if len(xy) >= 3:
                parts.append("M" + " L".join(xy) + " Z")
        if parts:
            shapes.append(_Shape(code, " ".join(parts)))
    return shapes, MAP_WIDTH, height


def _svg(shapes: list[_Shape], width: float, height: float, fills: dict[str, str], label: str) -> str:
    body = "".join(
        f'<path d="{s.path}" fill="{fills.get(s.code, NO_DATA_COLOUR)}" stroke="#555" stroke-width="0.4"/>'
        for s in shapes
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{label}">{body}</svg>'
    )


def _pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{100 * x:.{digits}f}%"


def _legend(m: IndicatorMap) -> list[dict[str, str]]:
    bounds = [0.0, *m.breaks]
    out = []
    for i, colour in enumerate(CLASS_COLOURS[: len(m.breaks) + 1]):
        low = bounds[i]
        text = f"≥ {_pct(low)}" if i == len(m.breaks) else f"{_pct(low)} – < {_pct(m.breaks[i])}"
        out.append({"colour": colour, "text": text})
    out.append({"colour": FEW_COLOUR, "text": "data terlalu sedikit / too few data (penyebut < 10)"})
    out.append({"colour": SUPPRESSED_COLOUR, "text": "disensor / suppressed (jumlah < 5)"})
    return out


def _map_context(report: KlaReport) -> list[dict[str, Any]]:
    shapes, width, height = desa_shapes()
    out = []
    for m in report.maps:
        fills = {}
        for c in m.cells:
            if c.klass is not None:
                fills[c.desa_code] = CLASS_COLOURS[c.klass]
            else:
                fills[c.desa_code] = FEW_COLOUR if c.why == "few" else SUPPRESSED_COLOUR
        top = sorted((c for c in m.cells if c.rate is not None), key=lambda c: (-(c.rate or 0), c.desa_code))[
            :8
        ]
        out.append(
            {
                "map": m,
                "svg": _svg(shapes, width, height, fills, f"{m.title_id} {m.period}"),
                "legend": _legend(m),
                "district": _pct(m.district_rate),
                "shown": sum(1 for c in m.cells if c.rate is not None),
                "few": sum(1 for c in m.cells if c.why == "few"),
                "suppressed": sum(1 for c in m.cells if c.why == "suppressed"),
                "top": [
                    {
                        "desa": c.desa_name,
                        "kecamatan": c.kecamatan,
                        "rate": _pct(c.rate),
                        "n": c.numerator,
                        "d": c.denominator,
                    }
                    for c in top
                ],
            }
        )
    hot = {h.desa_code: HOTSPOT_COLOURS[h.classification] for h in report.hotspots}
    hotspot_svg = _svg(shapes, width, height, hot, f"Hotspot {report.quarter}") if shapes else ""
    return [{"hotspot_svg": hotspot_svg}, *out]


# The nutrition section writes numbers the Indonesian way (decimal comma), as its sentences from
# mutu.selectors already do: one section, one way of writing a number.
def _pct_id(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{100 * x:.{digits}f}%".replace(".", ",")


def _interval_id(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"{100 * low:.1f}–{100 * high:.1f}%".replace(".", ",")


def _points_id(x: float | None) -> str:
    """A fraction as signed percentage points: 0.0123 -> "+1,2"."""
    return "-" if x is None else f"{100 * x:+.1f}".replace(".", ",")


def _nutrition_row(row: NutritionRow) -> dict[str, Any]:
    source = row.survey_source
    if row.survey_year is not None and str(row.survey_year) not in source:
        source = f"{source} ({row.survey_year})"
    return {
        "row": row,
        "district": row.level == "district",
        "coverage": _pct_id(row.coverage, 0),
        "n": f"{small(row.assessed_known)}/{row.known}",
        "weighed": _pct_id(row.weighed[0]),
        "weighed_ci": _interval_id(row.weighed[1], row.weighed[2]),
        "adjusted": _pct_id(row.adjusted[0]),
        "adjusted_ci": _interval_id(row.adjusted[1], row.adjusted[2]),
        "high": _pct_id(row.adjusted_high),
        "quality": _pct_id(row.quality[0]),
        "quality_ci": _interval_id(row.quality[1], row.quality[2]),
        # every assessed child measured at a posyandu set aside: the rate is wholly other areas'
        "quality_borrowed": 0 < row.assessed_known <= row.children_set_aside,
        "survey": _pct_id(row.survey_value),
        "survey_source": source,
        "gap_coverage": _points_id(row.gap_coverage),
        "gap_quality": _points_id(row.gap_quality),
        "gap_remainder": _points_id(row.gap_remainder),
    }


def _nutrition_context(report: KlaReport) -> dict[str, Any]:
    n = report.nutrition
    rows = [_nutrition_row(row) for row in n.rows]
    return {
        "s": n,
        "rows": rows,
        "any_borrowed": any(x["quality_borrowed"] for x in rows),
        "explanation": list(zip_longest(n.explanation_id, n.explanation_en, fillvalue="")),
        "rr": f"{n.rr_high:g}".replace(".", ","),
        "rr_en": f"{n.rr_high:g}",  # the English sentences from mutu.selectors write "1.5 times"
        "checks_id": ", ".join(t_id for t_id, _ in n.set_aside_checks),
        "checks_en": ", ".join(t_en for _, t_en in n.set_aside_checks),
        "attention": [
            {
                "a": a,
                "readings": list(zip_longest(a.readings_id, a.readings_en, fillvalue="")),
                "coverage": _pct_id(a.coverage, 0),
            }
            for a in n.attention
        ],
        "trainings": [
            {
                "t": t,
                "before": "-" if t.fails_before is None else t.fails_before,
                "after": "-" if t.fails_after is None else t.fails_after,
            }
            for t in n.trainings
        ],
    }


def _fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if float(value).is_integer() and unit != "%" else f"{value:,.1f}"
    text = text.replace(",", " ")
    return f"{text} {unit}".strip() if unit and unit != "%" else f"{text}{unit}"


def report_context(report: KlaReport) -> dict[str, Any]:
    maps = _map_context(report)
    sc = report.scorecard
    return {
        "r": report,
        "sections": [
            {"key": k, "title_id": t_id, "title_en": t_en, "n": i}
            for i, (k, t_id, t_en) in enumerate(SECTIONS, start=1)
        ],
        "titles": {k: f"{t_id} / {t_en}" for k, t_id, t_en in SECTIONS},
        "num": {k: i for i, (k, _t_id, _t_en) in enumerate(SECTIONS, start=1)},
        "sc": sc,
        "indicators": [
            {
                "i": i,
                "value": _fmt_value(i.value, i.unit),
                "target": _fmt_value(i.target, i.unit),
                "achievement": f"{100 * i.achievement:.0f}%",
                "n": small(i.numerator) if i.numerator is not None else "",
                "d": i.denominator if i.denominator is not None else "",
            }
            for i in sc.indicators
        ],
        "clusters": sc.clusters() if hasattr(sc, "clusters") else [],
        "indicator_trends": [
            {"t": t, "cells": [_fmt_value(v, t.unit) for _, v in t.values]} for t in report.indicator_trends
        ],
        "flag_trends": [
            {
                "t": t,
                "cells": [
                    next(
                        (
                            {"rate": _pct(p.rate), "n": small(p.numerator), "d": p.denominator}
                            for p in t.points
                            if p.period == period
                        ),
                        {"rate": "-", "n": "", "d": ""},
                    )
                    for period in report.trend_periods
                ],
            }
            for t in report.flag_trends
        ],
        "hotspot_svg": maps[0]["hotspot_svg"],
        "maps": maps[1:],
        "hotspot_colours": HOTSPOT_COLOURS,
        "programmes": [
            {
                "p": p,
                "target": small(p.target),
                "covered": small(p.covered),
                "improved": small(p.improved),
                "not_improved": small(p.not_improved),
                "waiting": small(p.waiting),
                "overdue": small(p.overdue),
                "coverage": _pct(p.covered / p.target, 0) if p.target else "-",
                "dz": "-" if p.mean_z_change is None else f"{p.mean_z_change:+.2f}",
            }
            for p in report.programmes
        ],
        "adminduk": [
            {
                "a": a,
                "births": small(a.facility_births),
                "declared": small(a.declared),
                "share": _pct(a.share, 0),
                "issued": small(a.issued),
                "within": small(a.within_target),
                "median": "-" if a.median_days is None else f"{a.median_days:.1f}",
            }
            for a in report.adminduk.rows
        ],
        "referrals": [{"r": r, "overdue": small(r.overdue)} for r in report.referrals],
        "adolescents": [
            {
                "a": a,
                "n": "" if a.numerator is None else small(a.numerator),
                "d": "" if a.denominator is None else a.denominator,
                "pct": "-" if a.percent is None else f"{a.percent:.1f}%",
            }
            for a in report.adolescents
        ],
        "referrals_total": small(sum(r.overdue for r in report.referrals)),
        "nutrition": _nutrition_context(report),
        "roadmap": [
            {
                **{f: getattr(k, f) for f in ("phase", "due", "name_id", "name_en", "met", "source")},
                "target_text": _fmt_value(float(k.target), k.unit)
                if isinstance(k.target, int | float)
                else k.target,
                "actual_text": _fmt_value(float(k.actual), k.unit)
                if isinstance(k.actual, int | float)
                else "-",
            }
            for k in report.roadmap
        ],
        "made_at": clock.today().isoformat(),
    }


def report_html(report: KlaReport) -> str:
    return render_to_string("web/kla/report_pdf.html", report_context(report))


def _no_network(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    raise ValueError(f"laporan KLA tidak mengambil apa pun dari jaringan / no fetching: {url}")


def report_pdf(report: KlaReport) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import HTML

    html = HTML(string=report_html(report), url_fetcher=_no_network, base_url="/")
    out = html.write_pdf()  # bytes when no target is given
    if out is None:
        raise RuntimeError("WeasyPrint wrote no PDF / no PDF was produced")
    return bytes(out)
