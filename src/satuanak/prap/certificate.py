"""The certificate of a child-friendly puskesmas: an A4 landscape PDF made with fpdf2.

DejaVu Sans is embedded when the system has it (Debian's fonts-dejavu-core), so any name
prints as written; otherwise fpdf2's core Helvetica is used and text is reduced to Latin-1.
No network, no template files.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from fpdf import FPDF

from satuanak.prap.models import Assessment

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# fpdf2 subsets embedded fonts with fontTools, which logs every glyph at INFO: not for our logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)
MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def _date_id(d: date) -> str:
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


class _Pdf(FPDF):
    unicode_font = False

    def setup_fonts(self) -> None:
        regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font("DejaVu", "", str(regular))
            self.add_font("DejaVu", "B", str(bold))
            self.unicode_font = True

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font("DejaVu" if self.unicode_font else "Helvetica", "B" if bold else "", size)

    def line_text(self, text: str, h: float) -> None:
        if not self.unicode_font:
            text = text.replace("–", "-").replace("—", "-").encode("latin-1", "replace").decode("latin-1")
        self.multi_cell(0, h, text, align="C", new_x="LMARGIN", new_y="NEXT")


def prap_certificate_pdf(assessment: Assessment) -> bytes:
    """The certificate of a certified assessment, as PDF bytes."""
    if assessment.certified_on is None or assessment.valid_until is None or not assessment.certificate_number:
        raise ValueError("Penilaian ini belum tersertifikasi. / This assessment is not certified.")
    signer = assessment.certified_by
    signer_name = (signer.get_full_name() or signer.username) if signer else "-"
    agency = getattr(getattr(signer, "agency", None), "name", "") if signer else ""
    pdf = _Pdf(orientation="L", unit="mm", format="A4")
    pdf.setup_fonts()
    pdf.set_title(f"Sertifikat PRAP {assessment.facility.name}")
    pdf.set_author("Satu Data Anak Bengkayang")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    # frame
    pdf.set_draw_color(15, 92, 122)
    pdf.set_line_width(2)
    pdf.rect(8, 8, 281, 194)
    pdf.set_line_width(0.5)
    pdf.rect(12, 12, 273, 186)
    pdf.set_text_color(15, 92, 122)
    pdf.set_y(24)
    pdf.use(12)
    pdf.line_text("PEMERINTAH KABUPATEN BENGKAYANG · DINAS KESEHATAN DAN KB", 7)
    pdf.ln(4)
    pdf.use(30, bold=True)
    pdf.line_text("SERTIFIKAT", 14)
    pdf.use(16, bold=True)
    pdf.line_text("PUSKESMAS RAMAH ANAK (PRAP)", 9)
    pdf.use(10)
    pdf.set_text_color(90, 90, 90)
    pdf.line_text("Child-Friendly Puskesmas Certificate", 6)
    pdf.ln(3)
    pdf.set_text_color(30, 30, 30)
    pdf.use(11)
    pdf.line_text(f"Nomor / No.: {assessment.certificate_number}", 6)
    pdf.ln(6)
    pdf.use(12)
    pdf.line_text("diberikan kepada / awarded to", 7)
    pdf.use(26, bold=True)
    pdf.set_text_color(15, 92, 122)
    pdf.line_text(assessment.facility.name, 13)
    pdf.set_text_color(30, 30, 30)
    pdf.use(11)
    pdf.line_text(
        "yang telah memenuhi seluruh butir wajib Standar Pelayanan Ramah Anak di Puskesmas "
        f"versi {assessment.version.number} / having met every required item of the standard, "
        f"version {assessment.version.number}",
        6,
    )
    pdf.ln(6)
    pdf.use(12)
    pdf.line_text(
        f"Tanggal sertifikasi / certified on: {_date_id(assessment.certified_on)}    ·    "
        f"Berlaku sampai / valid until: {_date_id(assessment.valid_until)}",
        7,
    )
    pdf.set_y(160)
    pdf.use(11)
    pdf.line_text("Bengkayang, " + _date_id(assessment.certified_on), 6)
    pdf.use(12, bold=True)
    pdf.line_text(signer_name, 7)
    pdf.use(9)
    pdf.line_text(agency or "Peninjau PRAP / PRAP reviewer", 5)
    pdf.set_y(188)
    pdf.use(7)
    pdf.set_text_color(120, 120, 120)
    pdf.line_text(
        "Diterbitkan oleh Satu Data Anak Bengkayang. Status sertifikat dapat diperiksa di halaman PRAP. / "
        "Issued by Satu Data Anak Bengkayang; the certificate's status is shown on the PRAP page.",
        4,
    )
    return bytes(pdf.output())
