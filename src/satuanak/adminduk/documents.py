"""The issued documents as PDFs for the facility to print: birth certificate excerpt (Kutipan
Akta Kelahiran), child identity card (KIA) and family-card excerpt (Kutipan Kartu Keluarga).

Made on demand from IssuedDocuments with fpdf2 (A4, DejaVu Sans when the system has it, else
Helvetica reduced to Latin-1), as prap/certificate.py. Every page says "CONTOH / SPECIMEN —
bukan dokumen resmi": the platform is not SIAK, and the official documents are printed, signed
electronically and numbered by Disdukcapil's own system.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from fpdf import FPDF

from satuanak.adminduk.models import IssuedDocuments

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
logging.getLogger("fontTools").setLevel(logging.WARNING)
SPECIMEN = "CONTOH / SPECIMEN — bukan dokumen resmi / not an official document"
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
KINDS = ("akta", "kia", "kk")


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

    def clean(self, text: str) -> str:
        if self.unicode_font:
            return text
        text = text.replace("–", "-").replace("—", "-")
        return text.encode("latin-1", "replace").decode("latin-1")

    def centred(self, text: str, size: float, *, bold: bool = False, h: float = 7) -> None:
        self.use(size, bold)
        self.multi_cell(0, h, self.clean(text), align="C", new_x="LMARGIN", new_y="NEXT")

    def field(self, label: str, value: str, *, label_w: float = 70) -> None:
        self.use(10)
        self.cell(label_w, 7, self.clean(label))
        self.use(10, bold=True)
        self.multi_cell(0, 7, self.clean(": " + value), new_x="LMARGIN", new_y="NEXT")

    def specimen(self) -> None:
        self.set_text_color(180, 0, 0)
        self.centred(SPECIMEN, 10, bold=True)
        self.set_text_color(0, 0, 0)


def _date_id(d: date | None) -> str:
    if d is None:
        return "-"
    return f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"


def _sex(code: str) -> str:
    return "LAKI-LAKI" if code == "L" else "PEREMPUAN"


def _new(title: str) -> _Pdf:
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.setup_fonts()
    pdf.set_title(title)
    pdf.set_author("Satu Data Anak Bengkayang")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.specimen()
    pdf.centred("PEMERINTAH KABUPATEN BENGKAYANG", 12, bold=True)
    pdf.centred("DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL", 12, bold=True)
    pdf.ln(4)
    return pdf


def _finish(pdf: _Pdf, docs: IssuedDocuments) -> bytes:
    pdf.ln(8)
    pdf.use(9)
    pdf.multi_cell(
        0,
        5,
        pdf.clean(
            f"Diterbitkan di Bengkayang, {_date_id(docs.issued_on)}. Layanan 3-in-1 di Ujung Wie. "
            "Dokumen resmi dicetak dan ditandatangani secara elektronik oleh Disdukcapil."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.specimen()
    return bytes(pdf.output())


def akta_pdf(docs: IssuedDocuments) -> bytes:
    if not docs.akta_number:
        raise ValueError("Tidak ada akta kelahiran yang diterbitkan. / No birth certificate was issued.")
    pdf = _new(f"Kutipan Akta Kelahiran {docs.akta_number}")
    pdf.centred("KUTIPAN AKTA KELAHIRAN", 16, bold=True, h=9)
    pdf.centred(f"Nomor: {docs.akta_number}", 11)
    pdf.ln(6)
    pdf.field("NIK", docs.child_nik)
    pdf.use(10)
    pdf.multi_cell(
        0,
        7,
        pdf.clean(
            f"Bahwa di {docs.birth_place or '-'} pada tanggal {_date_id(docs.birth_date)} telah lahir "
            f"seorang anak {_sex(docs.sex).lower()} bernama:"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.centred(docs.child_name, 15, bold=True, h=10)
    parents = docs.mother_name if not docs.father_name else f"{docs.father_name} dan {docs.mother_name}"
    pdf.use(10)
    pdf.multi_cell(0, 7, pdf.clean(f"anak dari {parents}."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.field("Desa/kelurahan", f"{docs.desa.name}, Kec. {docs.desa.kecamatan.name}")
    return _finish(pdf, docs)


def kia_pdf(docs: IssuedDocuments) -> bytes:
    if not docs.kia_number:
        raise ValueError("Tidak ada KIA yang diterbitkan. / No KIA was issued.")
    pdf = _new(f"KIA {docs.kia_number}")
    pdf.centred("KARTU IDENTITAS ANAK (KIA)", 16, bold=True, h=9)
    pdf.ln(3)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.set_draw_color(15, 92, 122)
    pdf.set_line_width(0.8)
    pdf.rect(x, y, 190, 75)
    pdf.set_xy(x + 4, y + 4)
    pdf.field("NIK", docs.kia_number, label_w=50)
    for label, value in (
        ("Nama", docs.child_name),
        ("Tempat/Tgl lahir", f"{docs.birth_place or '-'}, {_date_id(docs.birth_date)}"),
        ("Jenis kelamin", _sex(docs.sex)),
        ("No. KK", docs.kk_number),
        ("Nama kepala keluarga", docs.father_name or docs.mother_name),
        ("Desa/kelurahan", docs.desa.name),
        ("Kecamatan", docs.desa.kecamatan.name),
        (
            "Berlaku hingga",
            _date_id(docs.birth_date.replace(year=docs.birth_date.year + 17))
            if not (docs.birth_date.month == 2 and docs.birth_date.day == 29)
            else "umur 17 tahun",
        ),
    ):
        pdf.set_x(x + 4)
        pdf.field(label, value, label_w=50)
    pdf.set_y(y + 80)
    return _finish(pdf, docs)


def kk_pdf(docs: IssuedDocuments) -> bytes:
    pdf = _new(f"Kutipan Kartu Keluarga {docs.kk_number}")
    pdf.centred("KUTIPAN KARTU KELUARGA", 16, bold=True, h=9)
    pdf.centred(f"No. {docs.kk_number}", 11)
    pdf.ln(4)
    pdf.field("Desa/kelurahan", docs.desa.name)
    pdf.field("Kecamatan", docs.desa.kecamatan.name)
    pdf.field("Kabupaten", "Bengkayang")
    pdf.ln(3)
    widths = (8, 62, 40, 32, 48)
    pdf.use(9, bold=True)
    for w, head in zip(widths, ("No", "Nama", "NIK", "Hubungan", "Jenis kelamin / Tgl lahir"), strict=True):
        pdf.cell(w, 7, head, border=1)
    pdf.ln()
    members = []
    if docs.father_name:
        members.append((docs.father_name, docs.father_nik or "-", "KEPALA KELUARGA", "LAKI-LAKI"))
    if docs.mother_name:
        relation = "ISTRI" if docs.father_name else "KEPALA KELUARGA"
        members.append((docs.mother_name, docs.mother_nik or "-", relation, "PEREMPUAN"))
    members.append((docs.child_name, docs.child_nik, "ANAK", f"{_sex(docs.sex)} {docs.birth_date:%d-%m-%Y}"))
    pdf.use(9)
    for i, (name, nik, relation, extra) in enumerate(members, start=1):
        for w, value in zip(widths, (str(i), name, nik, relation, extra), strict=True):
            pdf.cell(w, 7, pdf.clean(value[:40]), border=1)
        pdf.ln()
    pdf.ln(2)
    pdf.use(9)
    pdf.multi_cell(
        0,
        5,
        pdf.clean(
            "Kutipan: hanya anggota keluarga yang berkaitan dengan kelahiran ini. / "
            "Excerpt: the birth's family members only."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return _finish(pdf, docs)


def document_pdf(docs: IssuedDocuments, kind: str) -> bytes:
    """One of "akta", "kia", "kk"; ValueError for another kind or a document not issued."""
    if kind == "akta":
        return akta_pdf(docs)
    if kind == "kia":
        return kia_pdf(docs)
    if kind == "kk":
        return kk_pdf(docs)
    raise ValueError(f"Dokumen tidak dikenal: {kind!r}. / Unknown document: {kind!r}.")
