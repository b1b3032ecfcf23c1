"""KIA cohort (kohort ibu): sheet IBU HAMIL (pregnancies, ANC visits) and sheet PERSALINAN (deliveries)."""

from __future__ import annotations

from satuanak.core.sources import Source
from satuanak.sources.base import ColumnSpec, Kind, PersonKeySpec, SourceAdapter
from satuanak.sources.choices import SEX, YES_NO, vocabulary

ATTENDANT = vocabulary(
    {
        "Dokter": ["Dr", "dr.", "Dokter Umum", "Dokter Spesialis", "SpOG", "Dokter SpOG"],
        "Bidan": ["Bdn", "Bidan Desa", "Bides"],
        "Perawat": [],
        "Dukun": ["Dukun Bayi", "Dukun Beranak", "Paraji"],
        "Keluarga": ["Keluarga/Lainnya"],
        "Lainnya": ["Lain-lain", "Lain"],
    }
)
BABY_STATUS = vocabulary(
    {
        "Hidup": ["Lahir Hidup", "H", "Sehat"],
        "Meninggal": ["Mati", "M", "Meninggal Dunia", "Wafat", "Neonatal Meninggal"],
        "Lahir Mati": ["Stillbirth", "IUFD", "LM"],
    }
)

_NO = ColumnSpec("no", "NO", ("No.", "Nomor"), Kind.INTEGER)
_MOTHER_NAME = ColumnSpec(
    "mother_name",
    "NAMA IBU",
    ("Nama", "Nama Ibu Hamil", "Nama Bumil", "Nama Ibu Bersalin", "Nama Lengkap Ibu"),
    required=True,
)
_DESA = ColumnSpec(
    "desa",
    "DESA",
    ("Desa/Kelurahan", "Desa/Kel", "Kelurahan", "Nama Desa", "Alamat Desa"),
    Kind.DESA,
    kecamatan_field="kecamatan",
)
_KEC = ColumnSpec("kecamatan", "KECAMATAN", ("Kec", "Nama Kecamatan"))

KEHAMILAN_COLUMNS = (
    _NO,
    ColumnSpec(
        "mother_nik",
        "NIK IBU",
        ("NIK", "NIK Bumil", "NIK Ibu Hamil", "No NIK Ibu"),
        Kind.NIK,
        birth_date_field="mother_birth_date",
    ),
    _MOTHER_NAME,
    ColumnSpec(
        "mother_birth_date",
        "TGL LAHIR IBU",
        ("Tanggal Lahir Ibu", "Tgl Lahir", "Tanggal Lahir", "Tgl. Lahir Ibu", "TGL_LHR_IBU"),
        Kind.DATE,
        is_birth_date=True,
    ),
    _DESA,
    _KEC,
    ColumnSpec("puskesmas", "PUSKESMAS", ("Nama Puskesmas", "PKM"), Kind.PUSKESMAS),
    ColumnSpec(
        "hpht",
        "HPHT",
        ("Hari Pertama Haid Terakhir", "Tgl HPHT", "Tanggal HPHT", "HPHT (tgl)"),
        Kind.DATE,
        required=True,
        not_before="mother_birth_date",
    ),
    ColumnSpec(
        "due_date",
        "TAKSIRAN PERSALINAN",
        (
            "HPL",
            "Taksiran Persalinan",
            "TP",
            "Hari Perkiraan Lahir",
            "Tafsiran Persalinan",
            "Perkiraan Persalinan",
        ),
        Kind.DATE,
        allow_future=True,
        not_before="hpht",
    ),
    *(
        ColumnSpec(
            f"k{n}",
            f"K{n}",
            (f"Tgl K{n}", f"Kunjungan K{n}", f"Tanggal K{n}", f"K{n} (tgl)"),
            Kind.DATE,
            not_before="hpht",
        )
        for n in range(1, 7)
    ),
    ColumnSpec(
        "muac_cm",
        "LILA (cm)",
        ("LILA", "Lingkar Lengan Atas", "LiLA", "LILA_CM"),
        Kind.DECIMAL,
        minimum=10,
        maximum=60,
    ),
    ColumnSpec("kek", "KEK", ("KEK (Ya/Tidak)", "Status KEK", "Bumil KEK"), Kind.CHOICE, choices=YES_NO),
)

PERSALINAN_COLUMNS = (
    _NO,
    ColumnSpec("mother_nik", "NIK IBU", ("NIK", "No NIK Ibu", "NIK Ibu Bersalin"), Kind.NIK),
    _MOTHER_NAME,
    ColumnSpec("baby_name", "NAMA BAYI", ("Nama Anak", "Nama Bayi Lahir")),
    ColumnSpec(
        "baby_sex", "JK BAYI", ("Jenis Kelamin Bayi", "JK", "Jenis Kelamin", "L/P"), Kind.SEX, choices=SEX
    ),
    ColumnSpec(
        "delivery_date",
        "TGL PERSALINAN",
        (
            "Tanggal Persalinan",
            "Tgl Lahir Bayi",
            "Tanggal Lahir Bayi",
            "Tgl Bersalin",
            "Tanggal Bersalin",
            "TGL_PERSALINAN",
        ),
        Kind.DATE,
        required=True,
        is_birth_date=True,
    ),
    ColumnSpec(
        "delivery_place",
        "TEMPAT PERSALINAN",
        ("Tempat Bersalin", "Tempat Lahir", "Faskes Persalinan", "Tempat"),
    ),
    ColumnSpec(
        "attendant",
        "PENOLONG",
        ("Penolong Persalinan", "Ditolong Oleh", "Tenaga Penolong"),
        Kind.CHOICE,
        choices=ATTENDANT,
    ),
    ColumnSpec(
        "birth_weight_g",
        "BERAT LAHIR (gram)",
        (
            "BB Lahir",
            "Berat Lahir",
            "BBL",
            "BB Lahir (gram)",
            "Berat Badan Lahir",
            "BBL (gr)",
            "Berat Lahir (gr)",
        ),
        Kind.DECIMAL,
        minimum=300,
        maximum=7000,
    ),
    ColumnSpec(
        "baby_status",
        "STATUS BAYI",
        ("Kondisi Bayi", "Status", "Keadaan Bayi"),
        Kind.CHOICE,
        choices=BABY_STATUS,
    ),
    _DESA,
    _KEC,
)

KEHAMILAN = SourceAdapter(
    name="kia_kehamilan",
    source=Source.KIA,
    title="Kohort ibu: ibu hamil (HPHT, kunjungan K1-K6, LILA/KEK)",
    columns=KEHAMILAN_COLUMNS,
    natural_key=("person_key", "hpht"),
    sheet_hint="IBU HAMIL",
    person=PersonKeySpec(nik="mother_nik", name="mother_name", birth_date="mother_birth_date"),
)
PERSALINAN = SourceAdapter(
    name="kia_persalinan",
    source=Source.KIA,
    title="Kohort ibu: persalinan (tempat, penolong, berat lahir, status bayi)",
    columns=PERSALINAN_COLUMNS,
    natural_key=("person_key", "delivery_date", "baby_name"),
    sheet_hint="PERSALINAN",
    person=PersonKeySpec(nik="mother_nik", name="mother_name"),
)
