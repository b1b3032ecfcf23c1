"""SIAK (Disdukcapil) population export: one row per person."""

from __future__ import annotations

from satuanak.core.sources import Source
from satuanak.sources.base import ColumnSpec, Kind, PersonKeySpec, SourceAdapter
from satuanak.sources.choices import HAVE, SEX, vocabulary

RELATION = vocabulary(
    {
        "KEPALA KELUARGA": ["KK", "Kepala", "Kepala Keluarga"],
        "SUAMI": [],
        "ISTRI": ["Isteri"],
        "ANAK": ["Anak Kandung"],
        "MENANTU": [],
        "CUCU": [],
        "ORANG TUA": ["Orangtua"],
        "MERTUA": [],
        "FAMILI LAIN": ["Famili"],
        "PEMBANTU": [],
        "LAINNYA": ["Lain-lain", "Lain"],
    }
)
MARITAL = vocabulary(
    {
        "BELUM KAWIN": ["Belum Menikah", "BK", "Lajang"],
        "KAWIN": ["Menikah", "Kawin Tercatat", "Kawin Belum Tercatat", "Kawin Tidak Tercatat", "K"],
        "CERAI HIDUP": ["CH", "Cerai"],
        "CERAI MATI": ["CM", "Janda", "Duda"],
    }
)

COLUMNS = (
    ColumnSpec(
        "no_kk",
        "NO_KK",
        ("No KK", "Nomor KK", "No. Kartu Keluarga", "Nomor Kartu Keluarga", "NKK", "KK"),
        Kind.KK,
    ),
    ColumnSpec(
        "nik",
        "NIK",
        ("No NIK", "Nomor NIK", "Nomor Induk Kependudukan", "NIK Penduduk"),
        Kind.NIK,
        required=True,
        birth_date_field="birth_date",
        sex_field="sex",
    ),
    ColumnSpec("name", "NAMA_LGKP", ("Nama Lengkap", "NAMA", "Nama Penduduk", "NAMA_LENGKAP"), required=True),
    ColumnSpec(
        "sex",
        "JENIS_KLMIN",
        ("JK", "Jenis Kelamin", "L/P", "Kelamin", "JENIS_KELAMIN", "Sex"),
        Kind.SEX,
        required=True,
        choices=SEX,
    ),
    ColumnSpec("birth_place", "TMPT_LHR", ("Tempat Lahir", "TEMPAT_LAHIR", "Tmp Lahir", "Tmp. Lahir")),
    ColumnSpec(
        "birth_date",
        "TGL_LHR",
        ("Tanggal Lahir", "Tgl Lahir", "TGL_LAHIR", "TANGGAL_LAHIR", "Tgl. Lahir"),
        Kind.DATE,
        required=True,
        is_birth_date=True,
    ),
    ColumnSpec(
        "family_relation",
        "STAT_HBKEL",
        (
            "Status Hubungan Dalam Keluarga",
            "SHDK",
            "Hubungan Keluarga",
            "Hub Keluarga",
            "STAT_HUB_KEL",
            "Status Hubungan Keluarga",
        ),
        Kind.CHOICE,
        choices=RELATION,
    ),
    ColumnSpec(
        "marital_status",
        "STAT_KWN",
        ("Status Perkawinan", "Status Kawin", "STATUS_KAWIN", "Stat Kawin"),
        Kind.CHOICE,
        choices=MARITAL,
    ),
    ColumnSpec(
        "mother_name", "NAMA_LGKP_IBU", ("Nama Ibu", "Nama Ibu Kandung", "Nama Lengkap Ibu", "NAMA_IBU")
    ),
    ColumnSpec("father_name", "NAMA_LGKP_AYAH", ("Nama Ayah", "Nama Lengkap Ayah", "NAMA_AYAH")),
    ColumnSpec("mother_nik", "NIK_IBU", ("NIK Ibu", "No NIK Ibu"), Kind.NIK),
    ColumnSpec("father_nik", "NIK_AYAH", ("NIK Ayah", "No NIK Ayah"), Kind.NIK),
    ColumnSpec(
        "desa_code",
        "KODE_DESA",
        ("Kode Desa", "KODE_KEL", "Kode Kelurahan", "Kode Desa/Kel", "KD_DESA"),
        Kind.DESA,
    ),
    ColumnSpec(
        "desa_name",
        "NAMA_KEL",
        ("Nama Desa", "Desa", "Kelurahan", "Desa/Kelurahan", "NAMA_DESA", "Desa/Kel"),
        Kind.DESA,
        kecamatan_field="kecamatan",
    ),
    ColumnSpec("kecamatan", "NAMA_KEC", ("Kecamatan", "Nama Kecamatan", "Kec")),
    ColumnSpec("rt", "NO_RT", ("RT", "No. RT")),
    ColumnSpec("rw", "NO_RW", ("RW", "No. RW")),
    ColumnSpec("address", "ALAMAT", ("Alamat Lengkap", "Dusun", "Alamat Rumah")),
    ColumnSpec(
        "akta",
        "AKTA_LHR",
        ("Akta Lahir", "Akta Kelahiran", "Kepemilikan Akta", "Punya Akta", "AKTA"),
        Kind.CHOICE,
        choices=HAVE,
    ),
    ColumnSpec("akta_number", "NO_AKTA_LHR", ("No Akta", "Nomor Akta Kelahiran", "NO_AKTA", "No Akta Lahir")),
    ColumnSpec(
        "kia", "KIA", ("Kartu Identitas Anak", "Kepemilikan KIA", "Punya KIA"), Kind.CHOICE, choices=HAVE
    ),
    ColumnSpec(
        "death_date",
        "TGL_KEMATIAN",
        ("Tanggal Kematian", "Tgl Meninggal", "TGL_MATI", "Tanggal Meninggal"),
        Kind.DATE,
        not_before="birth_date",
    ),
)

ADAPTER = SourceAdapter(
    name="siak",
    source=Source.SIAK,
    title="SIAK Disdukcapil: data penduduk (NIK, KK, akta, KIA)",
    columns=COLUMNS,
    natural_key=("nik",),
    person=PersonKeySpec(nik="nik", name="name", birth_date="birth_date", mother_name="mother_name"),
)
