"""The quarterly report as an Excel workbook: one sheet per section (report.SECTIONS), the same
numbers as the PDF, rates as fractions (format them as % in Excel), counts of 1-4 children as "<5"."""

from __future__ import annotations

from typing import Any

from satuanak.common.xlsx import Sheet, xlsx_bytes
from satuanak.kla.report import SECTIONS, KlaReport, small

# Sheet titles (at most 31 characters), in the order of SECTIONS.
SHEET_TITLES: dict[str, str] = {
    "scorecard": "1 Skor KLA",
    "roadmap": "2 Peta jalan",
    "trends": "3 Tren",
    "nutrition": "4 Gizi",
    "maps": "5 Peta per desa",
    "hotspots": "6 Titik panas",
    "programmes": "7 Program",
    "referrals": "8 Rujukan terlambat",
    "adolescents": "9 Remaja",
}
NUTRITION_HEADER = [
    "tingkat",
    "kode",
    "wilayah",
    "balita dikenal",
    "dapat dinilai",
    "cakupan penimbangan",
    "berbasis penimbangan",
    "penimbangan 95% bawah",
    "penimbangan 95% atas",
    "disesuaikan cakupan",
    "cakupan 95% bawah",
    "cakupan 95% atas",
    "kepekaan (batas)",
    "disesuaikan mutu",
    "mutu 95% bawah",
    "mutu 95% atas",
    "anak dikesampingkan",
    "survei",
    "sumber survei",
    "tahun survei",
    "selisih total (poin)",
    "selisih cakupan (poin)",
    "selisih mutu (poin)",
    "selisih sisa (poin)",
]


def _notes(report: KlaReport, key: str, *more: str) -> list[str]:
    title = next(f"{t_id} / {t_en}" for k, t_id, t_en in SECTIONS if k == key)
    return [
        f"{title} — Kabupaten Bengkayang, triwulan / quarter {report.quarter}",
        f"Data per / figures as of {report.data_date.isoformat()} · agregat saja / aggregates only",
        *more,
    ]


def _rate(x: float | None) -> float | str:
    return "-" if x is None else round(x, 4)


def _points(x: float | None) -> float | str:
    """A difference of fractions in percentage points (the PDF's unit for the gap)."""
    return "-" if x is None else round(100 * x, 2)


def _nutrition_sheet(report: KlaReport) -> Sheet:
    n = report.nutrition
    rows = [
        [
            row.level,
            row.code,
            row.name,
            row.known,
            small(row.assessed_known),
            _rate(row.coverage),
            *[_rate(x) for x in row.weighed],
            *[_rate(x) for x in row.adjusted],
            _rate(row.adjusted_high),
            *[_rate(x) for x in row.quality],
            small(row.children_set_aside),
            _rate(row.survey_value),
            row.survey_source,
            "" if row.survey_year is None else row.survey_year,
            _points(row.gap_total),
            _points(row.gap_coverage),
            _points(row.gap_quality),
            _points(row.gap_remainder),
        ]
        for row in n.rows
    ]
    if n.rows:
        rr = f"{n.rr_high:g}"
        more = [
            "Disesuaikan: imputasi terstratifikasi per desa × kelompok umur (hilang acak di dalam strata); "
            "disesuaikan mutu mengesampingkan posyandu yang gagal pemeriksaan yang memengaruhi TB/U; "
            f"kepekaan: bila yang tidak ditimbang {rr.replace('.', ',')} kali lebih mungkin stunting. "
            "Semua angka perkiraan.",
            "Adjusted: stratified imputation by desa × age band (missing at random within stratum); "
            "quality-adjusted sets aside posyandu failing HAZ-relevant checks; sensitivity: the unweighed "
            f"{rr} times as likely to be stunted. Every figure is an estimate.",
            "Angka sebagai pecahan, selisih dalam poin persen / rates as fractions, gaps in points",
            *n.explanation_id,
            *n.explanation_en,
        ]
    else:
        more = [
            f"Belum ada angka stunting, cakupan penimbangan dan mutu data untuk triwulan {report.quarter}. / "
            f"No stunting, weighing-coverage or data-quality figures for quarter {report.quarter} yet."
        ]
    return Sheet(
        title=SHEET_TITLES["nutrition"],
        notes=_notes(report, "nutrition", *more),
        header=NUTRITION_HEADER,
        rows=rows,
        widths={"wilayah": 24, "sumber survei": 16},
    )


def report_sheets(report: KlaReport) -> list[Sheet]:
    sc = report.scorecard
    sheets: list[Sheet] = []
    sheets.append(
        Sheet(
            title=SHEET_TITLES["scorecard"],
            notes=_notes(
                report,
                "scorecard",
                f"Skor perkiraan / estimated score: {sc.total:.2f} · {sc.category} / {sc.category_en} · "
                f"selisih ke Utama / gap to Utama: {sc.gap_to_utama:.2f} · versi / version {sc.version}",
                f"{sc.statement_id} / {sc.statement_en}",
            ),
            header=[
                "kode",
                "klaster",
                "indikator",
                "indicator",
                "satuan",
                "nilai",
                "pembilang",
                "penyebut",
                "target",
                "capaian",
                "poin",
                "bobot",
                "sumber",
                "terverifikasi",
                "tanggal data",
            ],
            rows=[
                [
                    i.code,
                    i.cluster,
                    i.title_id,
                    i.title_en,
                    i.unit,
                    "-" if i.value is None else i.value,
                    "" if i.numerator is None else small(i.numerator),
                    "" if i.denominator is None else i.denominator,
                    i.target,
                    round(i.achievement, 4),
                    i.points,
                    i.weight,
                    i.source,
                    "ya" if i.verified else "tidak",
                    i.data_date.isoformat() if i.data_date else "",
                ]
                for i in sc.indicators
            ]
            + [["TOTAL", "", "Jumlah", "Total", "", "", "", "", "", "", sc.total, 1000, "", "", ""]],
            widths={"indikator": 50, "indicator": 45, "klaster": 24},
        )
    )
    sheets.append(
        Sheet(
            title=SHEET_TITLES["roadmap"],
            notes=_notes(report, "roadmap"),
            header=[
                "tahap",
                "batas",
                "KPI",
                "KPI (English)",
                "target",
                "capaian",
                "satuan",
                "tercapai",
                "sumber",
            ],
            rows=[
                [
                    k.phase,
                    k.due.isoformat() if k.due else "",
                    k.name_id,
                    k.name_en,
                    k.target,
                    "-" if k.actual is None else k.actual,
                    k.unit,
                    "-" if k.met is None else ("ya" if k.met else "tidak"),
                    k.source,
                ]
                for k in report.roadmap
            ],
            widths={"KPI": 50, "KPI (English)": 45},
        )
    )
    periods = list(report.trend_periods)
    trend_rows: list[list[Any]] = [
        ["KLA", "TOTAL", "Skor perkiraan / estimated score", "poin", *[t[1] for t in report.score_trend]]
    ]
    for t in report.indicator_trends:
        values = dict(t.values)
        trend_rows.append(
            [
                "KLA",
                t.code,
                t.title_id,
                t.unit,
                *["-" if values.get(p) is None else values[p] for p in periods],
            ]
        )
    for f in report.flag_trends:
        points = {p.period: p for p in f.points}
        trend_rows.append(
            [
                "penanda / flag (rate)",
                f.code,
                f.title_id,
                "fraction",
                *[_rate(points[p].rate) if p in points else "-" for p in periods],
            ]
        )
        trend_rows.append(
            [
                "penanda / flag (n/N)",
                f.code,
                f.title_id,
                "anak / children",
                *[
                    f"{small(points[p].numerator)}/{points[p].denominator}" if p in points else "-"
                    for p in periods
                ],
            ]
        )
    sheets.append(
        Sheet(
            title=SHEET_TITLES["trends"],
            notes=_notes(
                report, "trends", "Penanda: angka yang sama dengan dasbor / flags: the dashboard's figures"
            ),
            header=["jenis", "kode", "nama", "satuan", *periods],
            rows=trend_rows,
            widths={"nama": 45, "jenis": 22},
        )
    )
    sheets.append(_nutrition_sheet(report))
    map_rows = [
        [
            m.code,
            c.desa_code,
            c.desa_name,
            c.kecamatan,
            c.numerator if isinstance(c.numerator, str) else small(c.numerator),
            c.denominator,
            _rate(c.rate),
            "" if c.klass is None else c.klass + 1,
            {"few": "data terlalu sedikit / too few data", "suppressed": "disensor / suppressed"}.get(
                c.why, ""
            ),
        ]
        for m in report.maps
        for c in m.cells
    ]
    sheets.append(
        Sheet(
            title=SHEET_TITLES["maps"],
            notes=_notes(
                report,
                "maps",
                *[
                    f"{m.code}: kabupaten / district {_rate(m.district_rate)}; batas kelas / class breaks "
                    f"{', '.join(str(b) for b in m.breaks)}"
                    for m in report.maps
                ],
            ),
            header=[
                "penanda",
                "kode desa",
                "desa",
                "kecamatan",
                "jumlah",
                "penyebut",
                "persentase",
                "kelas (1-5)",
                "catatan",
            ],
            rows=map_rows,
            widths={"desa": 24, "kecamatan": 20, "catatan": 34},
        )
    )
    sheets.append(
        Sheet(
            title=SHEET_TITLES["hotspots"],
            notes=_notes(report, "hotspots", " · ".join(f"{c}: {n} desa" for c, n in report.hotspot_counts)),
            header=["kode desa", "desa", "kecamatan", "kelas", "indeks", "Gi* z"],
            rows=[
                [h.desa_code, h.desa_name, h.kecamatan, h.classification, h.index, h.gi_star_z]
                for h in report.hotspots
            ],
            widths={"desa": 24, "kecamatan": 20},
        )
    )
    prog_rows: list[list[Any]] = [
        [
            "intervensi",
            p.programme,
            p.flag,
            small(p.target),
            small(p.covered),
            small(p.improved),
            small(p.not_improved),
            small(p.waiting),
            small(p.overdue),
            "-" if p.mean_z_change is None else p.mean_z_change,
        ]
        for p in report.programmes
    ]
    g = report.gesit
    for label, value in (
        ("BAAS terdaftar / foster parents", g.baas),
        ("penugasan dalam triwulan / assignments in the quarter", g.assignments_in_quarter),
        ("berjalan di akhir / running at the end", g.running_at_end),
        ("selesai 100 hari / completed", g.completed_in_quarter),
        ("dihentikan awal / ended early", g.ended_early_in_quarter),
        ("penyaluran PMT / deliveries", g.deliveries_in_quarter),
    ):
        prog_rows.append(["GESIT", label, "", value, "", "", "", "", "", ""])
    prog_rows.append(
        [
            "PRAP",
            "tersertifikasi di akhir / certified at the end",
            "",
            report.prap.certified_at_end,
            f"dari / of {report.prap.total}",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    for pt in report.prap.targets:
        prog_rows.append(
            [
                "PRAP",
                f"target {pt.label} ({pt.due.isoformat()})",
                "",
                pt.target,
                pt.certified,
                "",
                "-" if not pt.past else ("ya" if pt.met else "tidak"),
                "",
                "",
                "",
            ]
        )
    for a in report.adminduk.rows:
        prog_rows.append(
            [
                "adminduk",
                a.facility or "Kabupaten / district",
                "",
                small(a.facility_births),
                small(a.declared),
                _rate(a.share),
                small(a.issued),
                "-" if a.median_days is None else a.median_days,
                small(a.within_target),
                "",
            ]
        )
    prog_rows.append(
        [
            "adminduk",
            "deklarasi terlambat di akhir / declarations overdue at the end",
            "",
            report.adminduk.overdue_at_end,
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    sheets.append(
        Sheet(
            title=SHEET_TITLES["programmes"],
            notes=_notes(
                report,
                "programmes",
                "intervensi: sasaran, tercakup, membaik, tidak membaik, menunggu, terlambat, rerata Δz / "
                "interventions: target, covered, improved, not improved, waiting, overdue, mean Δz",
                "adminduk: persalinan, deklarasi, cakupan, terbit, median hari, tepat waktu / "
                "births, declared, share, issued, median days, on time",
            ),
            header=[
                "bagian",
                "program / baris",
                "penanda",
                "nilai 1",
                "nilai 2",
                "nilai 3",
                "nilai 4",
                "nilai 5",
                "nilai 6",
                "nilai 7",
            ],
            rows=prog_rows,
            widths={"program / baris": 50},
        )
    )
    sheets.append(
        Sheet(
            title=SHEET_TITLES["referrals"],
            notes=_notes(report, "referrals", "Per unit penerima, tanpa nama / per receiving unit, no names"),
            header=["unit penerima", "terlambat", "paling lama (hari)"],
            rows=[[r.unit, small(r.overdue), r.oldest_days_late] for r in report.referrals],
            widths={"unit penerima": 40},
        )
    )
    sheets.append(
        Sheet(
            title=SHEET_TITLES["adolescents"],
            notes=_notes(report, "adolescents", "Kosong = belum ada data / empty = no data for the quarter"),
            header=["ukuran", "measure", "pembilang", "penyebut", "persen", "data per"],
            rows=[
                [
                    a.label_id,
                    a.label_en,
                    "" if a.numerator is None else small(a.numerator),
                    "" if a.denominator is None else a.denominator,
                    _rate(a.percent),
                    a.data_date.isoformat() if a.data_date else "",
                ]
                for a in report.adolescents
            ],
            widths={"ukuran": 45, "measure": 45},
        )
    )
    return sheets


def report_xlsx(report: KlaReport) -> bytes:
    return xlsx_bytes(report_sheets(report))
