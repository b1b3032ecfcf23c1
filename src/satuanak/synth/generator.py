"""Orchestrates the synthetic district: build people and events, corrupt, write exports and truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from satuanak.synth import defects as dx
from satuanak.synth._util import mean_of
from satuanak.synth.config import Calibration, DefectRates
from satuanak.synth.education import build_education
from satuanak.synth.growth import build_growth
from satuanak.synth.health import build_immunisation, build_maternal
from satuanak.synth.names import draw_names
from satuanak.synth.population import Population, build_population
from satuanak.synth.protection import build_cases
from satuanak.synth.reference import Reference, load_reference
from satuanak.synth.writers import Column, Sheet, write_csv, write_xlsx

GENERATOR_VERSION = "1.0.0"
Progress = Callable[[str, int, int], None]
STAGES = ("penduduk", "gizi", "imunisasi", "kia", "dapodik", "simfoni", "siak", "ground_truth")


@dataclass(slots=True)
class GenerationReport:
    out_dir: Path
    seed: int
    children: int
    reference_date: date
    files: dict[str, int] = field(default_factory=dict)  # relative path -> data rows
    calibration: dict[str, float] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    defects: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> code -> rows
    source_rows: dict[str, int] = field(default_factory=dict)
    persons: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.files.values())

    def as_json(self) -> dict[str, object]:
        d = asdict(self)
        d["out_dir"] = str(self.out_dir)
        d["reference_date"] = self.reference_date.isoformat()
        d["total_rows"] = self.total_rows
        return d


def _neighbours(ref: Reference) -> np.ndarray:
    """The next desa of the same kecamatan (cyclic): the 'neighbouring desa' a clerk picks by mistake."""
    out = np.arange(len(ref.desa_codes))
    for k in range(len(ref.kecamatan_codes)):
        idx = np.flatnonzero(ref.desa_kec == k)
        out[idx] = np.roll(idx, -1)
    return out


def _truth(
    df: pl.DataFrame, *, source: str, file: str, sheet: str = "", related: str | None = None
) -> pl.DataFrame:
    return df.select(
        pl.lit(source).alias("source"),
        pl.lit(file).alias("file"),
        pl.lit(sheet).alias("sheet"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"),
        pl.col("pid").alias("person_id"),
        (pl.col(related) if related else pl.lit(None, dtype=pl.Int64)).alias("related_person_id"),
        pl.col("defects"),
    )


def _jk(female: str = "female", *, long: bool = False) -> pl.Expr:
    if long:
        return (
            pl.when(pl.col(female))
            .then(pl.lit("PEREMPUAN"))
            .when(pl.col(female).not_())
            .then(pl.lit("LAKI-LAKI"))
        )
    return pl.when(pl.col(female)).then(pl.lit("P")).when(pl.col(female).not_()).then(pl.lit("L"))


def generate_district(
    *,
    out_dir: Path,
    children: int = 100_000,
    seed: int = 2024,
    reference_date: date = date(2024, 12, 31),
    data_dir: Path,
    progress: Progress | None = None,
    calibration: Calibration | None = None,
    defect_rates: DefectRates | None = None,
) -> GenerationReport:
    """Generate a synthetic Bengkayang into `out_dir/exports` (sources) and `out_dir/ground_truth`."""
    if children <= 0:
        raise ValueError("children must be positive")
    cal = calibration or Calibration()
    rates = defect_rates or DefectRates()
    tick: Progress = progress or (lambda _s, _d, _t: None)
    ref = load_reference(data_dir)
    # One generator per stage, spawned from the seed, so a stage's draws never depend on another's.
    seq = np.random.SeedSequence(seed)
    rngs = dict(
        zip((*STAGES, "defects"), (np.random.default_rng(s) for s in seq.spawn(len(STAGES) + 1)), strict=True)
    )
    dr = rngs["defects"]
    report = GenerationReport(out_dir=out_dir, seed=seed, children=children, reference_date=reference_date)
    report.targets = cal.as_dict()
    truth_dir = out_dir / "ground_truth"
    truth_parts: list[pl.DataFrame] = []
    total = len(STAGES)
    neighbour = _neighbours(ref)
    desa_names = pl.Series(ref.desa_names)
    kec_names = pl.Series(ref.kecamatan_names)
    desa_codes = pl.Series(ref.desa_codes)

    def desa_name(col: str = "desa") -> pl.Expr:
        return pl.lit(desa_names).gather(pl.col(col))

    tick("penduduk", 0, total)
    pop: Population = build_population(
        rng=rngs["penduduk"], ref=ref, n_children=children, reference_date=reference_date, cal=cal
    )
    persons = pop.persons
    mothers = persons.filter(pl.col("role") == "ibu").select(
        pl.col("pid").alias("mother_pid"),
        pl.col("name").alias("mother_name"),
        pl.col("nik").alias("mother_nik"),
    )
    kid_cols = persons.filter(pl.col("role") == "anak").select(
        "pid", "nik", "name", "female", "dob", "mother_pid", "birthplace"
    )
    kid_cols = kid_cols.join(mothers, on="mother_pid", how="left")

    def record(source: str, file: str, df: pl.DataFrame, sheet: str = "", related: str | None = None) -> None:
        df = dx.finish(df)
        truth_parts.append(_truth(df, source=source, file=file, sheet=sheet, related=related))
        report.files[file] = report.files.get(file, 0) + df.height
        report.source_rows[source] = report.source_rows.get(source, 0) + df.height
        counts = report.defects.setdefault(source, {})
        exploded = (
            df.select(pl.col("defects").str.split(";").alias("d")).explode("d").filter(pl.col("d") != "")
        )
        for code, cnt in exploded.group_by("d").len().sort("d").iter_rows():
            counts[str(code)] = counts.get(str(code), 0) + int(cnt)

    # ---------------------------------------------------------------- e-PPGBM
    tick("gizi", 1, total)
    growth = build_growth(
        rng=rngs["gizi"], ref=ref, pop=pop, reference_date=reference_date, cal=cal, rates=rates
    )
    g = growth.rows.join(kid_cols, on="pid", how="left", maintain_order="left")
    g = dx.identity_defects(
        g,
        rng=dr,
        missing_nik=rates.missing_nik["eppgbm"],
        mistyped_nik=rates.mistyped_nik,
        name_variant=rates.name_variant,
        dob_swap=rates.dob_day_month_swap,
        wrong_desa=rates.wrong_desa,
        nik="nik",
        name="name",
        dob="dob",
        desa="desa",
        desa_neighbour=neighbour,
    )
    visits = growth.rows["visit"]
    period = f"{visits.min()!s} s.d. {visits.max()!s}"
    for k, kcode in enumerate(ref.kecamatan_codes):
        part = g.filter(pl.col("kec") == k).sort("desa", "posyandu", "visit", "pid")
        part = dx.duplicate_rows(part, rng=dr, rate=rates.duplicate_row)
        part = dx.impossible_measurements(part, rng=dr, rate=rates.impossible_measurement)
        part = dx.blank_fields(part, rng=dr, rate=rates.blank_required, columns=["name", "female", "dob"])
        part = dx.dates_as_text(part, rng=dr, rate=rates.date_as_text, column="dob")
        style_b = k % 2 == 1  # two header spellings across puskesmas: the importer must map both
        part = part.with_columns(
            nama=pl.col("name").str.to_titlecase() if style_b else pl.col("name"),
            ibu=pl.col("mother_name").str.to_titlecase() if style_b else pl.col("mother_name"),
            jk=_jk(),
            desa_n=desa_name(),
            pos_n=pl.lit(pl.Series(ref.posyandu_names)).gather(pl.col("posyandu")),
            no=pl.int_range(1, pl.len() + 1),
        )
        h = (
            [
                "No.",
                "NIK Anak",
                "Nama Anak",
                "Jenis Kelamin",
                "Tanggal Lahir",
                "Nama Ibu",
                "Desa/Kelurahan",
                "Posyandu",
                "Tanggal Pengukuran",
                "Berat (kg)",
                "Tinggi/Panjang (cm)",
                "Cara Ukur",
                "LiLA (cm)",
            ]
            if style_b
            else [
                "NO",
                "NIK",
                "NAMA ANAK",
                "JK",
                "TGL LAHIR",
                "NAMA ORTU",
                "DESA/KEL",
                "POSYANDU",
                "TGL UKUR",
                "BB",
                "TB/PB",
                "CARA UKUR",
                "LILA",
            ]
        )
        srcs = [
            "no",
            "nik",
            "nama",
            "jk",
            "dob",
            "ibu",
            "desa_n",
            "pos_n",
            "visit",
            "weight",
            "height",
            "position",
            "lila",
        ]
        kinds = ["num", "str", "str", "str", "date", "str", "str", "str", "date", "num", "num", "str", "num"]
        cols = [Column(hh, s, kk) for hh, s, kk in zip(h, srcs, kinds, strict=True)]  # type: ignore[arg-type]
        pname = ref.puskesmas_names[k]
        fname = f"exports/eppgbm/EPPGBM_{ref.puskesmas_codes[k]}_{pname.replace(' ', '_')}.xlsx"
        titles = [
            "LAPORAN HASIL PENIMBANGAN BALITA",
            f"{pname.upper()} - KECAMATAN {ref.kecamatan_names[k].upper()} - PERIODE {period}",
        ]
        write_xlsx(out_dir / fname, [Sheet("Penimbangan", part, cols, titles)], created=reference_date)
        record("eppgbm", fname, part)
        _ = kcode

    # ---------------------------------------------------------------- Immunisation
    tick("imunisasi", 2, total)
    doses, idl = build_immunisation(
        rng=rngs["imunisasi"], ref=ref, pop=pop, reference_date=reference_date, cal=cal
    )
    kid_place = persons.filter(pl.col("role") == "anak").select("pid", "desa", "kec")
    d = doses.join(kid_cols, on="pid", how="left", maintain_order="left").join(
        kid_place, on="pid", how="left", maintain_order="left"
    )
    d = dx.identity_defects(
        d,
        rng=dr,
        missing_nik=rates.missing_nik["imunisasi"],
        mistyped_nik=rates.mistyped_nik,
        name_variant=rates.name_variant,
        dob_swap=rates.dob_day_month_swap,
        wrong_desa=rates.wrong_desa,
        nik="nik",
        name="name",
        dob="dob",
        desa="desa",
        desa_neighbour=neighbour,
    )
    d = d.sort("kec", "desa", "pid", "given", maintain_order=True)
    d = dx.duplicate_rows(d, rng=dr, rate=rates.duplicate_row)
    d = dx.blank_fields(d, rng=dr, rate=rates.blank_required, columns=["name", "female", "dob"])
    pos_first = np.array([int(np.flatnonzero(ref.posyandu_desa == i)[0]) for i in range(len(ref.desa_codes))])
    d = d.with_columns(
        tempat=pl.when(pl.col("place_kind") == 1)
        .then(
            pl.lit(pl.Series(ref.posyandu_names)).gather(pl.lit(pl.Series(pos_first)).gather(pl.col("desa")))
        )
        .when(pl.col("place_kind") == 3)
        .then(pl.lit("Polindes ") + desa_name())
        .otherwise(pl.lit(pl.Series(ref.puskesmas_names)).gather(pl.col("kec")))
    )
    imm = d.select(
        pl.col("nik").alias("NIK"),
        pl.col("name").alias("NAMA"),
        pl.col("dob").dt.strftime("%d/%m/%Y").alias("TGL LAHIR"),
        _jk().alias("JK"),
        pl.col("mother_name").alias("NAMA IBU"),
        desa_name().alias("DESA"),
        pl.col("antigen").alias("JENIS VAKSIN"),
        pl.col("given").dt.strftime("%d/%m/%Y").alias("TGL PEMBERIAN"),
        pl.col("tempat").alias("TEMPAT"),
    )
    fname = f"exports/imunisasi/imunisasi_bengkayang_{reference_date.year}.csv"
    write_csv(out_dir / fname, imm, separator=";", encoding="cp1252")
    record("imunisasi", fname, d)

    # ---------------------------------------------------------------- KIA: pregnancies and deliveries
    tick("kia", 3, total)
    preg, deliv, kek = build_maternal(
        rng=rngs["kia"], ref=ref, pop=pop, reference_date=reference_date, cal=cal
    )
    mom = persons.filter(pl.col("role") == "ibu").select(
        pl.col("pid").alias("mother_pid"), "nik", "name", "dob"
    )

    def with_mother(frame: pl.DataFrame) -> pl.DataFrame:
        """The mother's identity as the KIA cohort records it, with the cohort's defects."""
        frame = frame.join(mom, on="mother_pid", how="left", maintain_order="left").with_columns(
            pid=pl.col("mother_pid")
        )
        frame = dx.identity_defects(
            frame,
            rng=dr,
            missing_nik=rates.missing_nik["kia"],
            mistyped_nik=rates.mistyped_nik,
            name_variant=rates.name_variant,
            dob_swap=0.0,
            wrong_desa=rates.wrong_desa,
            nik="nik",
            name="name",
            desa="desa",
            desa_neighbour=neighbour,
        )
        return dx.duplicate_rows(frame, rng=dr, rate=rates.duplicate_row)

    preg = with_mother(preg)
    preg = dx.dates_as_text(preg, rng=dr, rate=rates.date_as_text, column="hpht")
    preg = preg.with_columns(
        no=pl.int_range(1, pl.len() + 1),
        desa_n=desa_name(),
        pkm=pl.lit(pl.Series(ref.puskesmas_names)).gather(pl.col("kec")),
        kek_s=pl.when(pl.col("kek")).then(pl.lit("Ya")).otherwise(pl.lit("Tidak")),
    )
    preg_cols = [
        Column("NO", "no", "num"),
        Column("NIK IBU", "nik"),
        Column("NAMA IBU", "name"),
        Column("TGL LAHIR IBU", "dob", "date"),
        Column("DESA", "desa_n"),
        Column("PUSKESMAS", "pkm"),
        Column("HPHT", "hpht", "date"),
        Column("TAKSIRAN PERSALINAN", "hpl", "date"),
        *[Column(f"K{i}", f"k{i}", "date") for i in range(1, 7)],
        Column("LILA (cm)", "lila", "num"),
        Column("KEK", "kek_s"),
    ]
    deliv = with_mother(deliv)
    deliv = deliv.join(
        persons.select(pl.col("pid").alias("child_pid"), pl.col("female").alias("cf")),
        on="child_pid",
        how="left",
        maintain_order="left",
    )
    deliv = deliv.with_columns(
        no=pl.int_range(1, pl.len() + 1),
        desa_n=desa_name(),
        bayi=pl.when(pl.col("named"))
        .then(pl.col("child_name").str.to_titlecase())
        .otherwise(pl.lit("By. Ny. ") + pl.col("name").str.to_titlecase()),
        jk=_jk("cf"),
    )
    deliv_cols = [
        Column("NO", "no", "num"),
        Column("NIK IBU", "nik"),
        Column("NAMA IBU", "name"),
        Column("NAMA BAYI", "bayi"),
        Column("JK BAYI", "jk"),
        Column("TGL PERSALINAN", "date", "date"),
        Column("TEMPAT PERSALINAN", "place"),
        Column("PENOLONG", "helper"),
        Column("BERAT LAHIR (gram)", "birth_weight_g", "num"),
        Column("STATUS BAYI", "status"),
        Column("DESA", "desa_n"),
    ]
    fname = f"exports/kia/kohort_ibu_bersalin_bengkayang_{reference_date.year}.xlsx"
    titles = [
        "KOHORT IBU - KABUPATEN BENGKAYANG",
        f"Dinas Kesehatan dan KB - data s.d. {reference_date.strftime('%d/%m/%Y')}",
    ]
    write_xlsx(
        out_dir / fname,
        [Sheet("IBU HAMIL", preg, preg_cols, titles), Sheet("PERSALINAN", deliv, deliv_cols, titles)],
        created=reference_date,
    )
    record("kia", fname, preg, sheet="IBU HAMIL")
    record(
        "kia",
        fname,
        deliv.with_columns(pid=pl.col("child_pid"), rel=pl.col("mother_pid")),
        sheet="PERSALINAN",
        related="rel",
    )

    # ---------------------------------------------------------------- DAPODIK
    tick("dapodik", 4, total)
    edu = build_education(rng=rngs["dapodik"], ref=ref, pop=pop, reference_date=reference_date, cal=cal)
    s = edu.students.join(kid_cols, on="pid", how="left", maintain_order="left")
    s = dx.identity_defects(
        s,
        rng=dr,
        missing_nik=rates.missing_nik["dapodik"],
        mistyped_nik=rates.mistyped_nik,
        name_variant=rates.name_variant,
        dob_swap=rates.dob_day_month_swap,
        wrong_desa=0.0,
        nik="nik",
        name="name",
        dob="dob",
    )
    ta = reference_date.year if reference_date.month >= 7 else reference_date.year - 1
    for lv in ("SD", "SMP", "SMA"):
        part = s.filter(pl.col("level") == lv)
        part = dx.duplicate_rows(part, rng=dr, rate=rates.duplicate_row)
        part = dx.blank_fields(part, rng=dr, rate=rates.blank_required, columns=["name", "female", "dob"])
        part = dx.dates_as_text(part, rng=dr, rate=rates.date_as_text, column="dob")
        part = part.with_columns(no=pl.int_range(1, pl.len() + 1), jk=_jk())
        cols = [
            Column("NO", "no", "num"),
            Column("NISN", "nisn"),
            Column("NIK", "nik"),
            Column("NAMA", "name"),
            Column("JK", "jk"),
            Column("TEMPAT LAHIR", "birthplace"),
            Column("TANGGAL LAHIR", "dob", "date"),
            Column("NAMA IBU KANDUNG", "mother_name"),
            Column("NPSN", "npsn"),
            Column("NAMA SEKOLAH", "school_name"),
            Column("JENJANG", "level"),
            Column("TINGKAT/KELAS", "grade", "num"),
            Column("STATUS", "status"),
        ]
        fname = f"exports/dapodik/dapodik_peserta_didik_{lv}_{ta}.xlsx"
        titles = [f"DATA PESERTA DIDIK JENJANG {lv} - KABUPATEN BENGKAYANG - TAHUN AJARAN {ta}/{ta + 1}"]
        write_xlsx(out_dir / fname, [Sheet("Peserta Didik", part, cols, titles)], created=reference_date)
        record("dapodik", fname, part)

    # ---------------------------------------------------------------- SIMFONI PPA
    tick("simfoni", 5, total)
    cases = build_cases(rng=rngs["simfoni"], pop=pop, reference_date=reference_date, cal=cal)
    c = cases.join(kid_cols, on="pid", how="left", maintain_order="left")
    c = dx.identity_defects(
        c,
        rng=dr,
        missing_nik=rates.missing_nik["simfoni"],
        mistyped_nik=rates.mistyped_nik,
        name_variant=rates.name_variant,
        dob_swap=0.0,
        wrong_desa=0.0,
        nik="nik",
        name="name",
    )
    # The birth date is often not taken down, only the age.
    c = c.with_columns(
        dob_opt=pl.when(pl.Series(dr.random(c.height) < 0.3)).then(None).otherwise(pl.col("dob")),
        nama=pl.col("name").str.to_titlecase(),
        jk=_jk(),
        desa_n=desa_name(),
    )
    cols = [
        Column("NO REGISTER", "register"),
        Column("TGL LAPOR", "reported", "date"),
        Column("NIK KORBAN", "nik"),
        Column("NAMA KORBAN", "nama"),
        Column("JK", "jk"),
        Column("TGL LAHIR", "dob_opt", "date"),
        Column("UMUR", "age_y", "num"),
        Column("DESA", "desa_n"),
        Column("JENIS KEKERASAN", "kind"),
        Column("TEMPAT KEJADIAN", "place"),
        Column("LAYANAN", "services"),
        Column("STATUS", "status"),
    ]
    fname = f"exports/simfoni/simfoni_ppa_bengkayang_{reference_date.year}.xlsx"
    write_xlsx(
        out_dir / fname,
        [
            Sheet(
                "Kasus Anak", c, cols, ["REKAP KASUS KEKERASAN TERHADAP ANAK - UPTD PPA KABUPATEN BENGKAYANG"]
            )
        ],
        created=reference_date,
    )
    record("simfoni", fname, c)

    # ---------------------------------------------------------------- SIAK
    tick("siak", 6, total)
    # Parents' own parents are named in SIAK too; nobody else in the data needs them.
    adults = persons.filter(pl.col("role") != "anak")
    sr = rngs["siak"]
    gp_m = draw_names(
        rng=sr,
        group=adults["group"].to_numpy(),
        female=np.ones(adults.height, bool),
        surname=sr.integers(0, 10, adults.height),
    )
    gp_f = draw_names(
        rng=sr,
        group=adults["group"].to_numpy(),
        female=np.zeros(adults.height, bool),
        surname=sr.integers(0, 10, adults.height),
    )
    adult_par = pl.DataFrame({"pid": adults["pid"], "gm": gp_m, "gf": gp_f})
    fathers = persons.filter(pl.col("role") == "ayah").select(
        pl.col("pid").alias("father_pid"),
        pl.col("name").alias("father_name"),
        pl.col("nik").alias("father_nik"),
    )
    siak = (
        persons.join(mothers, on="mother_pid", how="left", maintain_order="left")
        .join(fathers, on="father_pid", how="left", maintain_order="left")
        .join(adult_par, on="pid", how="left", maintain_order="left")
        .with_columns(
            ibu=pl.coalesce("mother_name", "gm"),
            ayah=pl.coalesce("father_name", "gf"),
            hub_order=pl.col("hub").replace_strict(
                {"KEPALA KELUARGA": 0, "ISTRI": 1, "ANAK": 2}, return_dtype=pl.Int8
            ),
            defects=pl.lit(""),
        )
        .sort("desa", "family", "hub_order", "dob")
    )
    # A few persons registered twice (a second NIK with a new serial): "NIK ganda".
    dup = pl.Series(sr.random(siak.height) < rates.siak_duplicate_person)
    twins = siak.filter(dup).with_columns(
        nik=pl.col("nik").str.slice(0, 12)
        + (pl.col("nik").str.slice(12, 4).cast(pl.Int32) + 5000).cast(pl.String).str.zfill(4),
        defects=pl.lit("siak_duplicate_person;"),
    )
    siak = pl.concat([siak, twins]).sort("desa", "family", "hub_order", "dob", "defects")
    siak_out = siak.select(
        pl.col("kk").alias("NO_KK"),
        pl.col("nik").alias("NIK"),
        pl.col("name").alias("NAMA_LGKP"),
        _jk(long=True).alias("JENIS_KLMIN"),
        pl.col("birthplace").alias("TMPT_LHR"),
        pl.col("dob").dt.strftime("%d-%m-%Y").alias("TGL_LHR"),
        pl.col("hub").alias("STAT_HBKEL"),
        pl.col("marital").alias("STAT_KWN"),
        pl.col("ibu").alias("NAMA_LGKP_IBU"),
        pl.col("ayah").alias("NAMA_LGKP_AYAH"),
        pl.col("mother_nik").alias("NIK_IBU"),
        pl.col("father_nik").alias("NIK_AYAH"),
        pl.lit(desa_codes).gather(pl.col("desa")).alias("KODE_DESA"),
        desa_name().str.to_uppercase().alias("NAMA_KEL"),
        pl.lit(kec_names).gather(pl.col("kec")).str.to_uppercase().alias("NAMA_KEC"),
        pl.col("rt").cast(pl.String).str.zfill(3).alias("NO_RT"),
        pl.col("rw").cast(pl.String).str.zfill(3).alias("NO_RW"),
        pl.col("alamat").alias("ALAMAT"),
        pl.when(pl.col("role") == "anak")
        .then(pl.when(pl.col("akta")).then(pl.lit("ADA")).otherwise(pl.lit("TIDAK ADA")))
        .alias("AKTA_LHR"),
        pl.col("akta_no").alias("NO_AKTA_LHR"),
        pl.when(pl.col("role") == "anak")
        .then(pl.when(pl.col("kia")).then(pl.lit("ADA")).otherwise(pl.lit("TIDAK")))
        .alias("KIA"),
        pl.col("died").dt.strftime("%d-%m-%Y").alias("TGL_KEMATIAN"),
    )
    fname = f"exports/siak/siak_penduduk_bengkayang_{reference_date.strftime('%Y%m%d')}.csv"
    write_csv(out_dir / fname, siak_out)
    record("siak", fname, siak)

    # ---------------------------------------------------------------- ground truth and manifest
    tick("ground_truth", 7, total)
    truth_dir.mkdir(parents=True, exist_ok=True)
    pl.concat(truth_parts).write_parquet(
        truth_dir / "source_rows.parquet", compression="zstd", statistics=False
    )
    births_12m = pop.n_births
    deaths = persons.filter(pl.col("died").is_not_null()).height
    kids = persons.filter(pl.col("role") == "anak")
    truth_persons = persons.select(
        pl.col("pid").alias("person_id"),
        "role",
        "nik",
        "name",
        pl.when(pl.col("female")).then(pl.lit("P")).otherwise(pl.lit("L")).alias("sex"),
        "dob",
        pl.lit(desa_codes).gather(pl.col("desa")).alias("desa_code"),
        pl.col("nik_region").alias("nik_region_code"),
        "kk",
        "family",
        pl.col("mother_pid").alias("mother_id"),
        pl.col("father_pid").alias("father_id"),
        "akta",
        "kia",
        "died",
        "marital",
        "facility_birth",
        "birth_weight_g",
        pl.col("is_birth").alias("born_last_12_months"),
    )
    truth_persons.write_parquet(truth_dir / "persons.parquet", compression="zstd", statistics=False)
    report.persons = persons.height
    report.calibration = {
        "children": float(children),
        "births_12m": float(births_12m),
        "births_per_100k_children": round(births_12m / children * 100_000, 1),
        "infant_deaths": float(deaths),
        "imr_per_1000": round(deaths / max(births_12m, 1) * 1000, 2),
        "akta_rate": round(mean_of(kids["akta"]), 4),
        "kia_rate": round(mean_of(kids["kia"]), 4),
        "facility_delivery_rate": round(
            mean_of(deliv.filter(~pl.col("defects").str.contains("duplicate_row"))["place"].ne("Rumah")),
            4,
        ),
        "stunting_rate": round(growth.stunting, 4),
        "wasting_rate": round(growth.wasting, 4),
        "underweight_rate": round(growth.underweight, 4),
        "children_weighed": float(growth.children_measured),
        "idl_rate_12_23m": round(idl, 4),
        "kek_rate": round(kek, 4),
        "child_marriage_girls_15_18": round(
            mean_of(
                kids.filter(
                    pl.col("female") & (pl.col("dob") <= pl.lit(reference_date).dt.offset_by("-15y"))
                )["marital"]
                == "KAWIN"
            ),
            4,
        ),
        "violence_cases": float(cases.height),
        **{f"ats_{k.split()[0].lower()}": v for k, v in edu.ats_by_band.items()},
    }
    manifest = {
        "generator": "satuanak.synth",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "children": children,
        "reference_date": reference_date.isoformat(),
        "row_numbering": (
            "row = 1-based index of the data row below the header row (title rows and header not counted)"
        ),
        "files": report.files,
        "calibration": report.calibration,
        "targets": report.targets,
        "stunting_by_kecamatan": growth.stunting_by_kec,
        # posyandu (by name, as the exports write them) with a planted measuring habit
        "posyandu_measuring_defects": {
            kind: [ref.posyandu_names[i] for i in idx] for kind, idx in growth.quality_defects.items()
        },
        "defect_rates": rates.as_dict(),
        "defect_counts": report.defects,
        "source_rows": report.source_rows,
    }
    (truth_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    tick("ground_truth", total, total)
    return report
