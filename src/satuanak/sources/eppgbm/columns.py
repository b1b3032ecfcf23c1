"""e-PPGBM (Dinkes, gizi): one row per child measurement at a posyandu."""

from __future__ import annotations

from satuanak.core.sources import Source
from satuanak.sources.base import ColumnSpec, Kind, PersonKeySpec, SourceAdapter
from satuanak.sources.choices import POSITION, SEX

COLUMNS = (
    ColumnSpec("no", "NO", ("No.", "Nomor", "No Urut"), Kind.INTEGER),
    ColumnSpec(
        "nik",
        "NIK",
        ("NIK Anak", "NIK Balita", "No NIK", "NIK_ANAK"),
        Kind.NIK,
        birth_date_field="birth_date",
        sex_field="sex",
    ),
    ColumnSpec(
        "name",
        "NAMA ANAK",
        ("Nama Balita", "Nama", "Nama Lengkap Anak", "NAMA_ANAK", "Nama Anak/Balita"),
        required=True,
    ),
    ColumnSpec(
        "sex",
        "JK",
        ("Jenis Kelamin", "L/P", "Kelamin", "JENIS_KELAMIN", "Sex"),
        Kind.SEX,
        required=True,
        choices=SEX,
    ),
    ColumnSpec(
        "birth_date",
        "TGL LAHIR",
        ("Tanggal Lahir", "Tgl. Lahir", "TGL_LHR", "Tgl Lahir Anak", "Tanggal Lahir Anak", "TGL_LAHIR"),
        Kind.DATE,
        required=True,
        is_birth_date=True,
    ),
    ColumnSpec(
        "mother_name",
        "NAMA ORTU",
        ("Nama Ibu", "Nama Orang Tua", "Nama Ibu Kandung", "Nama Orangtua", "Nama Ortu/Wali", "Ibu"),
    ),
    ColumnSpec(
        "desa",
        "DESA/KEL",
        ("Desa/Kelurahan", "Desa", "Kelurahan", "Nama Desa", "DESA_KEL", "Kel/Desa"),
        Kind.DESA,
        kecamatan_field="kecamatan",
    ),
    ColumnSpec("kecamatan", "KECAMATAN", ("Kec", "Nama Kecamatan", "Kec.")),
    ColumnSpec("posyandu", "POSYANDU", ("Nama Posyandu", "Posyandu/Pos"), Kind.POSYANDU),
    ColumnSpec("puskesmas", "PUSKESMAS", ("Nama Puskesmas", "PKM"), Kind.PUSKESMAS),
    ColumnSpec(
        "measurement_date",
        "TGL UKUR",
        (
            "Tanggal Pengukuran",
            "Tgl Pengukuran",
            "Tanggal Ukur",
            "Tgl Penimbangan",
            "Tanggal Penimbangan",
            "TGL_UKUR",
            "Tgl Timbang",
            "Tanggal Timbang",
        ),
        Kind.DATE,
        required=True,
        not_before="birth_date",
    ),
    ColumnSpec(
        "weight_kg",
        "BB",
        ("Berat", "Berat Badan", "Berat Badan (kg)", "BB (kg)", "Berat (kg)", "BB_KG", "BB/kg"),
        Kind.DECIMAL,
        required=True,
        minimum=0,
    ),
    ColumnSpec(
        "height_cm",
        "TB/PB",
        (
            "PB/TB",
            "Tinggi Badan",
            "Panjang Badan",
            "TB (cm)",
            "PB (cm)",
            "Tinggi/Panjang (cm)",
            "Tinggi/Panjang",
            "TB",
            "PB",
            "Tinggi",
            "Tinggi Badan (cm)",
            "Panjang Badan (cm)",
            "TB/PB (cm)",
            "PB/TB (cm)",
        ),
        Kind.DECIMAL,
        minimum=0,
    ),
    ColumnSpec(
        "position",
        "CARA UKUR",
        ("Posisi", "Posisi Ukur", "Cara Pengukuran", "Posisi Pengukuran", "Cara Ukur PB/TB"),
        Kind.CHOICE,
        choices=POSITION,
    ),
    ColumnSpec(
        "muac_cm",
        "LILA",
        ("LiLA (cm)", "Lingkar Lengan Atas", "LILA (cm)", "LILA_CM"),
        Kind.DECIMAL,
        minimum=5,
        maximum=45,
    ),
    # Who measured (where the export or the field app records it): the cadre-level quality
    # checks group by it (satuanak.mutu).
    ColumnSpec(
        "measured_by",
        "PETUGAS",
        (
            "Kader",
            "Nama Kader",
            "Pengukur",
            "Nama Petugas",
            "Petugas Ukur",
            "Kader Pengukur",
            "Petugas Pengukur",
        ),
    ),
)

ADAPTER = SourceAdapter(
    name="eppgbm",
    source=Source.EPPGBM,
    title="e-PPGBM: hasil penimbangan/pengukuran balita di posyandu",
    columns=COLUMNS,
    natural_key=("person_key", "measurement_date", "posyandu"),
    person=PersonKeySpec(nik="nik", name="name", birth_date="birth_date", mother_name="mother_name"),
    anthropometry=("birth_date", "measurement_date", "sex", "weight_kg", "height_cm", "position"),
)
