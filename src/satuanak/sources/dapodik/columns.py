"""DAPODIK (Disdikbud): one row per student enrolment."""

from __future__ import annotations

from satuanak.core.sources import Source
from satuanak.sources.base import ColumnSpec, Kind, PersonKeySpec, SourceAdapter
from satuanak.sources.choices import SEX, vocabulary

LEVEL = vocabulary(
    {
        "PAUD": ["TK", "KB", "RA"],
        "SD": ["Sekolah Dasar"],
        "MI": ["Madrasah Ibtidaiyah"],
        "SMP": ["Sekolah Menengah Pertama", "SLTP"],
        "MTs": ["MTS", "Madrasah Tsanawiyah"],
        "SMA": ["Sekolah Menengah Atas", "SLTA"],
        "SMK": ["Sekolah Menengah Kejuruan"],
        "MA": ["Madrasah Aliyah"],
        "SLB": ["SDLB", "SMPLB", "SMALB"],
        "PKBM": ["Paket A", "Paket B", "Paket C"],
    }
)
STATUS = vocabulary(
    {
        "Aktif": ["Active", "A"],
        "Mutasi": ["Pindah", "Mutasi Keluar", "Pindah Sekolah"],
        "Keluar": ["Putus Sekolah", "DO", "Drop Out", "Dikeluarkan", "Mengundurkan Diri"],
        "Lulus": ["Tamat", "Lulus/Tamat"],
        "Meninggal": ["Wafat", "Meninggal Dunia"],
    }
)

COLUMNS = (
    ColumnSpec("no", "NO", ("No.", "Nomor"), Kind.INTEGER),
    ColumnSpec(
        "nisn", "NISN", ("No NISN", "Nomor Induk Siswa Nasional", "NISN Siswa"), Kind.NISN, required=True
    ),
    ColumnSpec(
        "nik",
        "NIK",
        ("NIK Siswa", "NIK Peserta Didik", "No NIK"),
        Kind.NIK,
        birth_date_field="birth_date",
        sex_field="sex",
    ),
    ColumnSpec(
        "name", "NAMA", ("Nama Peserta Didik", "Nama Siswa", "Nama Lengkap", "Nama PD"), required=True
    ),
    ColumnSpec("sex", "JK", ("Jenis Kelamin", "L/P", "Kelamin"), Kind.SEX, required=True, choices=SEX),
    ColumnSpec("birth_place", "TEMPAT LAHIR", ("Tmp Lahir", "Tempat Lhr", "TEMPAT_LAHIR")),
    ColumnSpec(
        "birth_date",
        "TANGGAL LAHIR",
        ("Tgl Lahir", "Tgl. Lahir", "TANGGAL_LAHIR", "TGL_LHR"),
        Kind.DATE,
        required=True,
        is_birth_date=True,
    ),
    ColumnSpec("mother_name", "NAMA IBU KANDUNG", ("Nama Ibu", "Ibu Kandung", "NAMA_IBU_KANDUNG")),
    ColumnSpec("npsn", "NPSN", ("NPSN Sekolah", "No NPSN"), Kind.SCHOOL, required=True),
    ColumnSpec(
        "school_name",
        "NAMA SEKOLAH",
        ("Sekolah", "Satuan Pendidikan", "Nama Satuan Pendidikan", "Nama Satdik"),
    ),
    ColumnSpec("level", "JENJANG", ("Bentuk Pendidikan", "Jenjang Pendidikan"), Kind.CHOICE, choices=LEVEL),
    ColumnSpec(
        "grade",
        "TINGKAT/KELAS",
        ("Kelas", "Tingkat", "Tingkat Pendidikan", "Tingkat Kelas"),
        Kind.INTEGER,
        minimum=1,
        maximum=13,
    ),
    ColumnSpec(
        "status",
        "STATUS",
        ("Status Siswa", "Status Peserta Didik", "Keterangan", "Status PD"),
        Kind.CHOICE,
        choices=STATUS,
    ),
)

ADAPTER = SourceAdapter(
    name="dapodik",
    source=Source.DAPODIK,
    title="DAPODIK: peserta didik per sekolah (NISN, NPSN, kelas, status)",
    columns=COLUMNS,
    natural_key=("nisn", "npsn"),
    person=PersonKeySpec(nik="nik", name="name", birth_date="birth_date", mother_name="mother_name"),
)
