"""Immunisation register (SIMKES/ASIK export): one row per dose."""

from __future__ import annotations

from satuanak.core.sources import Source
from satuanak.sources.base import ColumnSpec, Kind, PersonKeySpec, SourceAdapter
from satuanak.sources.choices import SEX, VACCINE

COLUMNS = (
    ColumnSpec("no", "NO", ("No.", "Nomor"), Kind.INTEGER),
    ColumnSpec(
        "nik",
        "NIK",
        ("NIK Anak", "NIK Bayi", "NIK Balita", "No NIK"),
        Kind.NIK,
        birth_date_field="birth_date",
        sex_field="sex",
    ),
    ColumnSpec(
        "name",
        "NAMA",
        ("Nama Anak", "Nama Bayi", "Nama Balita", "Nama Sasaran", "Nama Lengkap"),
        required=True,
    ),
    ColumnSpec(
        "birth_date",
        "TGL LAHIR",
        ("Tanggal Lahir", "Tgl. Lahir", "TGL_LHR", "TGL_LAHIR"),
        Kind.DATE,
        required=True,
        is_birth_date=True,
    ),
    ColumnSpec("sex", "JK", ("Jenis Kelamin", "L/P", "Kelamin", "Sex"), Kind.SEX, required=True, choices=SEX),
    ColumnSpec("mother_name", "NAMA IBU", ("Nama Orang Tua", "Nama Ortu", "Nama Ibu Kandung", "Ibu")),
    ColumnSpec(
        "desa",
        "DESA",
        ("Desa/Kelurahan", "Desa/Kel", "Kelurahan", "Nama Desa", "Alamat Desa"),
        Kind.DESA,
        kecamatan_field="kecamatan",
    ),
    ColumnSpec("kecamatan", "KECAMATAN", ("Kec", "Nama Kecamatan")),
    ColumnSpec(
        "vaccine",
        "JENIS VAKSIN",
        ("Vaksin", "Antigen", "Jenis Imunisasi", "Imunisasi", "Jenis Antigen"),
        Kind.CHOICE,
        required=True,
        choices=VACCINE,
    ),
    ColumnSpec(
        "vaccination_date",
        "TGL PEMBERIAN",
        (
            "Tanggal Pemberian",
            "Tgl Imunisasi",
            "Tanggal Imunisasi",
            "Tgl Vaksin",
            "Tanggal Vaksinasi",
            "Tgl Diberikan",
            "TGL_IMUNISASI",
        ),
        Kind.DATE,
        required=True,
        not_before="birth_date",
    ),
    ColumnSpec(
        "place", "TEMPAT", ("Tempat Pelayanan", "Lokasi", "Tempat Imunisasi", "Faskes", "Unit Pelayanan")
    ),
)

ADAPTER = SourceAdapter(
    name="imunisasi",
    source=Source.IMUNISASI,
    title="Imunisasi: pemberian vaksin per anak per dosis",
    columns=COLUMNS,
    natural_key=("person_key", "vaccine"),
    person=PersonKeySpec(nik="nik", name="name", birth_date="birth_date", mother_name="mother_name"),
)
