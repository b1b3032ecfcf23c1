"""A child's length/height-for-age chart against the WHO 2006 curves, as inline SVG.

Pure: numbers in, SVG text out (no user text inside, so the page can include it as is). No
chart library: the page must stay light on a slow link and work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from satuanak.growth.who.zscore import MAX_AGE_DAYS, _tables

W, H = 640, 360
PAD_L, PAD_R, PAD_T, PAD_B = 44, 70, 12, 34
CURVES = (
    (-3.0, "#b30000", "−3 SD"),
    (-2.0, "#e34a33", "−2 SD"),
    (0.0, "#2e7d32", "median"),
    (2.0, "#1565c0", "+2 SD"),
)
DAYS_PER_MONTH = 30.4375


def _lhfa_curve(sex: str, z: float) -> tuple[np.ndarray, np.ndarray]:
    table = _tables()["lhfa"]
    idx = 0 if sex == "L" else 1
    days = np.arange(0, MAX_AGE_DAYS + 1, 15)
    lms = table.lms[idx][:, days - table.start]
    l_, m, s = lms
    with np.errstate(all="ignore"):
        height = np.where(np.abs(l_) < 1e-10, m * np.exp(s * z), m * (1 + l_ * s * z) ** (1 / l_))
    return days / DAYS_PER_MONTH, height


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'


def _text(x: float, y: float, body: str, *, anchor: str = "start", fill: str = "#1d2733") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="{anchor}" fill="{fill}">{body}</text>'


def height_for_age_svg(
    *, sex: str, birth_date: date, points: Sequence[tuple[date, float]], title: str = "TB/U"
) -> str:
    """SVG of the WHO curves for the child's sex and the child's measurements (date, cm) up to
    60 months; empty when there is nothing to draw."""
    if sex not in ("L", "P"):
        return ""
    pts = [
        ((d - birth_date).days / DAYS_PER_MONTH, h)
        for d, h in points
        if h is not None and 0 <= (d - birth_date).days <= MAX_AGE_DAYS
    ]
    if not pts:
        return ""
    curves = [(_lhfa_curve(sex, z), colour, label) for z, colour, label in CURVES]
    y_lo = min(min(float(np.nanmin(c[0][1])) for c in curves), min(h for _, h in pts)) - 2
    y_hi = max(max(float(np.nanmax(c[0][1])) for c in curves), max(h for _, h in pts)) + 2

    def x(months: float) -> float:
        return PAD_L + months / 60.0 * (W - PAD_L - PAD_R)

    def y(cm: float) -> float:
        return PAD_T + (y_hi - cm) / (y_hi - y_lo) * (H - PAD_T - PAD_B)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" class="growth-chart" '
        f'aria-label="{title}: kurva WHO dan pengukuran anak / WHO curves and the child\'s measurements">'
    ]
    for month in range(0, 61, 12):
        parts.append(_line(x(month), PAD_T, x(month), H - PAD_B, "#e0e0e0"))
        parts.append(_text(x(month), H - PAD_B + 16, str(month), anchor="middle"))
    for cm in range(int(y_lo // 10 * 10 + 10), int(y_hi) + 1, 10):
        parts.append(_line(PAD_L, y(cm), W - PAD_R, y(cm), "#eeeeee"))
        parts.append(_text(PAD_L - 6, y(cm) + 4, str(cm), anchor="end"))
    parts.append(_text((PAD_L + W - PAD_R) / 2, H - 4, "umur (bulan) / age (months)", anchor="middle"))
    for (months, height), colour, label in curves:
        path = " ".join(
            f"{x(mo):.1f},{y(h):.1f}" for mo, h in zip(months, height, strict=True) if np.isfinite(h)
        )
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>')
        parts.append(_text(W - PAD_R + 4, y(float(height[-1])) + 4, label, fill=colour))
    line = " ".join(f"{x(mo):.1f},{y(h):.1f}" for mo, h in sorted(pts))
    parts.append(f'<polyline fill="none" stroke="#1d2733" stroke-dasharray="3,2" points="{line}"/>')
    for mo, h in pts:
        tip = f"<title>{mo:.1f} bl: {h:.1f} cm</title>"
        parts.append(f'<circle cx="{x(mo):.1f}" cy="{y(h):.1f}" r="3.5" fill="#1d2733">{tip}</circle>')
    parts.append("</svg>")
    return "".join(parts)
