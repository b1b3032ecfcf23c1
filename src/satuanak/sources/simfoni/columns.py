"""SIMFONI PPA (Dinsos P3A / UPTD PPA): one row per violence case against a child.  Highly sensitive."""

from __future__ import annotations

from satuanak.core.sources import Source
from satuanak.sources.base import ColumnSpec, Kind, PersonKeySpec, SourceAdapter
from satuanak.sources.choices import SEX, vocabulary

VIOLENCE = vocabulary(
    {
        "Fisik": ["Kekerasan Fisik"],
        "Psikis": ["Kekerasan Psikis", "Psikologis"],
        "Seksual": ["Kekerasan Seksual"],
        "Penelantaran": ["Ditelantarkan"],
        "Eksploitasi": ["Eksploitasi Ekonomi", "Eksploitasi Seksual"],
        "TPPO": ["Trafficking", "Perdagangan Orang", "Tindak Pidana Perdagangan Orang"],
        "Lainnya": ["Lain-lain", "Lain"],
    }
)
STATUS = vocabulary(
    {
        "Proses": ["Dalam Proses", "Diproses", "Berjalan"],
        "Selesai": ["Tuntas", "Closed"],
        "Dirujuk": ["Rujuk", "Dirujuk Keluar"],
        "Baru": ["Open", "Diterima"],
    }
)

COLUMNS = (
    ColumnSpec(
        "register_number",
        "NO REGISTER",
        (
            "No. Registrasi",
            "Nomor Register",
            "No Reg",
            "NO_REG",
            "No Registrasi",
            "Nomor Registrasi",
            "No Kasus",
        ),
        required=True,
    ),
    ColumnSpec(
        "report_date",
        "TGL LAPOR",
        ("Tanggal Lapor", "Tanggal Pelaporan", "Tgl Pelaporan", "Tgl Laporan"),
        Kind.DATE,
        required=True,
        not_before="victim_birth_date",
    ),
    ColumnSpec(
        "victim_nik",
        "NIK KORBAN",
        ("NIK", "NIK Anak"),
        Kind.NIK,
        birth_date_field="victim_birth_date",
        sex_field="victim_sex",
    ),
    ColumnSpec("victim_name", "NAMA KORBAN", ("Nama", "Nama Anak", "Nama Korban Anak"), required=True),
    ColumnSpec(
        "victim_sex",
        "JK",
        ("Jenis Kelamin Korban", "Jenis Kelamin", "JK Korban", "L/P"),
        Kind.SEX,
        required=True,
        choices=SEX,
    ),
    ColumnSpec(
        "victim_birth_date",
        "TGL LAHIR",
        ("Tanggal Lahir", "Tgl Lahir Korban", "Tanggal Lahir Korban"),
        Kind.DATE,
        is_birth_date=True,
    ),
    ColumnSpec(
        "age_years",
        "UMUR",
        ("Usia", "Umur (th)", "Usia Korban", "Umur Korban"),
        Kind.INTEGER,
        minimum=0,
        maximum=18,
    ),
    ColumnSpec(
        "desa",
        "DESA",
        ("Desa/Kelurahan", "Desa/Kel", "Kelurahan", "Alamat Desa"),
        Kind.DESA,
        kecamatan_field="kecamatan",
    ),
    ColumnSpec("kecamatan", "KECAMATAN", ("Kec", "Nama Kecamatan")),
    ColumnSpec(
        "violence_type",
        "JENIS KEKERASAN",
        ("Bentuk Kekerasan", "Jenis Kasus", "Kategori Kekerasan"),
        Kind.CHOICE,
        choices=VIOLENCE,
    ),
    ColumnSpec("place", "TEMPAT KEJADIAN", ("Lokasi Kejadian", "TKP")),
    ColumnSpec("services", "LAYANAN", ("Layanan Diberikan", "Jenis Layanan", "Pelayanan")),
    ColumnSpec("status", "STATUS", ("Status Kasus", "Status Penanganan"), Kind.CHOICE, choices=STATUS),
)

ADAPTER = SourceAdapter(
    name="simfoni",
    source=Source.SIMFONI,
    title="SIMFONI PPA: kasus kekerasan terhadap anak (sangat rahasia)",
    columns=COLUMNS,
    natural_key=("register_number",),
    person=PersonKeySpec(nik="victim_nik", name="victim_name", birth_date="victim_birth_date"),
)
