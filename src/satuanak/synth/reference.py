"""Reference data read from the repository's `data/` folder (never from the database)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def default_data_dir() -> Path:
    """The repository's data/ folder (src/satuanak/synth/reference.py -> parents[3])."""
    return Path(__file__).resolve().parents[3] / "data"


@dataclass(frozen=True, slots=True)
class Lms:
    """A WHO LMS table on a regular grid: `start + step * i`, one row per sex (0 = boys, 1 = girls)."""

    start: float
    step: float
    l: F64  # noqa: E741  (L, M, S are the standard's names)
    m: F64
    s: F64

    def index(self, x: F64) -> I64:
        n = self.l.shape[1]
        return np.clip(np.rint((x - self.start) / self.step), 0, n - 1).astype(np.int64)

    def value(self, *, sex: I64, x: F64, z: F64) -> F64:
        """The measurement at z-score `z` (inverse of the LMS transform)."""
        i = self.index(x)
        lam, mu, sig = self.l[sex, i], self.m[sex, i], self.s[sex, i]
        small = np.abs(lam) < 1e-9
        safe_lam = np.where(small, 1.0, lam)
        out = np.where(
            small, mu * np.exp(sig * z), mu * np.power(np.maximum(1 + lam * sig * z, 1e-6), 1 / safe_lam)
        )
        return np.asarray(out, dtype=np.float64)

    def zscore(self, *, sex: I64, x: F64, y: F64) -> F64:
        i = self.index(x)
        lam, mu, sig = self.l[sex, i], self.m[sex, i], self.s[sex, i]
        small = np.abs(lam) < 1e-9
        safe_lam = np.where(small, 1.0, lam)
        ratio = np.maximum(y, 1e-9) / mu
        z = np.where(small, np.log(ratio) / sig, (np.power(ratio, safe_lam) - 1) / (safe_lam * sig))
        return np.asarray(z, dtype=np.float64)


def _lms(path: Path, xcol: str) -> Lms:
    df = pl.read_csv(path).sort("sex", xcol)
    xs = df.filter(pl.col("sex") == 1)[xcol].to_numpy()
    n = len(xs)
    arr = {k: df[k].to_numpy().astype(np.float64).reshape(2, n) for k in ("l", "m", "s")}
    step = float(np.round(xs[1] - xs[0], 6))
    return Lms(start=float(xs[0]), step=step, l=arr["l"], m=arr["m"], s=arr["s"])


@dataclass(frozen=True, slots=True)
class Reference:
    kecamatan_codes: list[str]  # "61.07.01" ...
    kecamatan_names: list[str]
    kecamatan_weight: F64
    desa_codes: list[str]
    desa_names: list[str]
    desa_kec: I64  # index into kecamatan_codes
    desa_weight: F64  # population share within the kabupaten
    posyandu_names: list[str]
    posyandu_desa: I64  # index into desa_codes
    puskesmas_names: list[str]  # one per kecamatan, aligned with kecamatan_codes
    puskesmas_codes: list[str]
    schools: pl.DataFrame  # npsn, name, level, kec (index), desa (index)
    outside_kecamatan: list[str]  # kecamatan codes outside Bengkayang used as NIK first registration
    outside_weight: F64
    place_names: dict[str, str]  # kabupaten/kota code -> town name as written in TMPT_LHR
    lhfa: Lms
    wfa: Lms
    wfl: Lms
    wfh: Lms


def load_reference(data_dir: Path) -> Reference:
    wil = pl.read_csv(
        data_dir / "bengkayang_wilayah.csv", schema_overrides={"code": pl.String, "parent_code": pl.String}
    )
    kec = wil.filter(pl.col("level") == "kecamatan").sort("code")
    kec_codes = kec["code"].to_list()
    kec_pos = {c: i for i, c in enumerate(kec_codes)}
    kpop = pl.read_csv(data_dir / "kecamatan_population.csv", schema_overrides={"kecamatan_code": pl.String})
    kpop_map = dict(zip(kpop["kecamatan_code"].to_list(), kpop["population"].to_list(), strict=True))
    kec_w = np.array([float(kpop_map[c]) for c in kec_codes])
    kec_w /= kec_w.sum()

    desa = wil.filter(pl.col("level").is_in(["desa", "kelurahan"])).sort("code")
    dpop = pl.read_csv(
        data_dir / "synthetic" / "desa_population.csv", schema_overrides={"desa_code": pl.String}
    )
    dpop_map = dict(zip(dpop["desa_code"].to_list(), dpop["population"].to_list(), strict=True))
    desa_codes = desa["code"].to_list()
    desa_kec = np.array([kec_pos[p] for p in desa["parent_code"].to_list()], dtype=np.int64)
    raw = np.array([float(dpop_map.get(c, 1000)) for c in desa_codes])
    # Desa weights are shares within their kecamatan, scaled by the kecamatan's weight.
    desa_w = np.zeros(len(desa_codes))
    for k in range(len(kec_codes)):
        sel = desa_kec == k
        desa_w[sel] = raw[sel] / raw[sel].sum() * kec_w[k]
    desa_pos = {c: i for i, c in enumerate(desa_codes)}

    pos = pl.read_csv(
        data_dir / "synthetic" / "posyandu.csv", schema_overrides={"desa_code": pl.String}
    ).sort("code")
    pos = pos.filter(pl.col("desa_code").is_in(desa_codes))
    pus = pl.read_csv(data_dir / "bengkayang_puskesmas.csv", schema_overrides={"kecamatan_code": pl.String})
    pus = pus.filter(pl.col("type") == "puskesmas")
    pus_map = {r["kecamatan_code"]: (r["name"], r["code"]) for r in pus.iter_rows(named=True)}

    sch = pl.read_csv(
        data_dir / "synthetic" / "schools.csv",
        schema_overrides={"npsn": pl.String, "kecamatan_code": pl.String, "desa_code": pl.String},
    ).sort("npsn")
    sch = sch.filter(pl.col("desa_code").is_in(desa_codes)).select(
        "npsn",
        "name",
        "level",
        pl.col("kecamatan_code").replace_strict(kec_pos, return_dtype=pl.Int64).alias("kec"),
        pl.col("desa_code").replace_strict(desa_pos, return_dtype=pl.Int64).alias("desa"),
    )

    indo = pl.read_csv(
        data_dir / "indonesia_wilayah_to_kecamatan.csv",
        schema_overrides={"code": pl.String, "parent_code": pl.String},
    ).filter(pl.col("level") == "kecamatan")
    # Children born elsewhere keep the NIK prefix of where they were first registered: mostly the
    # neighbours (Singkawang, Sambas, Landak, Pontianak, Mempawah), a few from Java and Sulawesi.
    weights = {
        "61.72": 0.30,
        "61.01": 0.25,
        "61.08": 0.15,
        "61.71": 0.12,
        "61.02": 0.08,
        "33": 0.05,
        "73": 0.05,
    }
    out_codes: list[str] = []
    out_w: list[float] = []
    for prefix, w in weights.items():
        codes = sorted(c for c in indo["code"].to_list() if c.startswith(prefix + "."))
        out_codes += codes
        out_w += [w / len(codes)] * len(codes)
    ow = np.array(out_w)

    kabs = pl.read_csv(
        data_dir / "indonesia_wilayah_to_kecamatan.csv", schema_overrides={"code": pl.String}
    ).filter(pl.col("level") == "kabupaten_kota")
    place_names = {
        c: n.upper().removeprefix("KABUPATEN ").removeprefix("KOTA ").removeprefix("KAB. ")
        for c, n in zip(kabs["code"].to_list(), kabs["name"].to_list(), strict=True)
    }
    who = data_dir / "who"
    return Reference(
        kecamatan_codes=kec_codes,
        kecamatan_names=kec["name"].to_list(),
        kecamatan_weight=kec_w,
        desa_codes=desa_codes,
        desa_names=desa["name"].to_list(),
        desa_kec=desa_kec,
        desa_weight=desa_w,
        posyandu_names=pos["name"].to_list(),
        posyandu_desa=np.array([desa_pos[d] for d in pos["desa_code"].to_list()], dtype=np.int64),
        puskesmas_names=[pus_map[c][0] for c in kec_codes],
        puskesmas_codes=[pus_map[c][1] for c in kec_codes],
        schools=sch,
        outside_kecamatan=out_codes,
        outside_weight=ow / ow.sum(),
        place_names=place_names,
        lhfa=_lms(who / "lhfa.csv", "age_days"),
        wfa=_lms(who / "wfa.csv", "age_days"),
        wfl=_lms(who / "wfl.csv", "length_cm"),
        wfh=_lms(who / "wfh.csv", "height_cm"),
    )
