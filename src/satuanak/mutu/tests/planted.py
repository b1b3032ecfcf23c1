"""An e-PPGBM export with known defects planted in 2024Q4, written as an agency writes it (CSV,
the header spelling in use, Indonesian dates and positions).

Four posyandu of four desa, `per_posyandu` children each (0-58 months old), weighed monthly from
July to December 2024 on the 10th. Growth follows the WHO standard: each child keeps a z-score,
with a little visit-to-visit noise; weight follows weight-for-length/height. In 2024Q4:
- ROUNDING: every length/height is rounded to .0 or .5;
- SWAPPED: every child is measured in the wrong position (under-2s standing, over-2s lying),
  the value shifted by WHO's 0.7 cm as it would be;
- LOW_COVERAGE: only ~15% of the desa's children come each month;
- CLEAN: nothing planted.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from satuanak.core.nik import Nik
from satuanak.synth.reference import load_reference

VISITS = [date(2024, m, 10) for m in range(7, 13)]
Q4 = date(2024, 10, 1)
LYING_BELOW_DAYS = 731


@dataclass(frozen=True)
class Planted:
    rounding: str  # posyandu code
    swapped: str
    low_coverage: str  # posyandu code; its desa has the low coverage
    clean: str
    desa: dict[str, str]  # posyandu code -> desa code
    path: Path


def plant(out: Path, data_dir: Path, *, per_posyandu: int = 70, seed: int = 7) -> Planted:
    """Write the file; the four posyandu are the first of four different desa in the reference list."""
    ref = load_reference(data_dir)
    rng = np.random.default_rng(seed)
    rows = list(csv.DictReader((data_dir / "synthetic" / "posyandu.csv").open(encoding="utf-8")))
    chosen: list[dict[str, str]] = []
    seen: set[str] = set()
    for r in rows:
        if r["desa_code"] not in seen and r["desa_code"][:8] not in {c["desa_code"][:8] for c in chosen}:
            chosen.append(r)
            seen.add(r["desa_code"])
        if len(chosen) == 4:
            break
    names = {r["code"]: r["name"] for r in chosen}
    rounding, swapped, low, clean = (r["code"] for r in chosen)
    header = ["NO", "NIK", "NAMA ANAK", "JK", "TGL LAHIR", "NAMA ORTU", "DESA/KEL", "POSYANDU", "TGL UKUR",
              "BB", "TB/PB", "CARA UKUR", "LILA"]  # fmt: skip
    out_rows: list[list[str]] = []
    serial = 0
    for p in chosen:
        code, desa = p["code"], p["desa_code"]
        for _ in range(per_posyandu):
            serial += 1
            female = int(rng.random() < 0.5)
            dob = date(2024, 12, 10) - timedelta(days=int(rng.integers(45, 1760)))
            z_h = float(rng.normal(-1.0, 1.1))
            z_w = float(rng.normal(0.0, 1.0))
            nik = Nik.build(
                kecamatan_code=desa[:8], birth_date=dob, sex="P" if female else "L", serial=serial
            )
            for day in VISITS:
                age = (day - dob).days
                if age < 0:
                    continue
                in_q4 = day >= Q4
                p_come = 0.15 if (code == low and in_q4) else 0.92
                if rng.random() > p_come:
                    continue
                lying = age < LYING_BELOW_DAYS
                sex = np.array([female])
                length = float(
                    ref.lhfa.value(
                        sex=sex, x=np.array([float(age)]), z=np.array([z_h + rng.normal(0, 0.05)])
                    )[0]
                )
                table = ref.wfl if lying else ref.wfh
                x = min(max(length, 45.0 if lying else 65.0), 110.0 if lying else 120.0)
                weight = float(
                    table.value(sex=sex, x=np.array([x]), z=np.array([z_w + rng.normal(0, 0.1)]))[0]
                )
                measured, pos_lying = length, lying
                if code == swapped and in_q4:
                    pos_lying = not lying
                    measured = length + (0.7 if pos_lying else -0.7)
                height = round(measured * 2) / 2 if (code == rounding and in_q4) else round(measured, 1)
                out_rows.append(
                    [
                        str(len(out_rows) + 1),
                        nik,
                        f"ANAK UJI {serial:04d}",
                        "P" if female else "L",
                        dob.strftime("%d/%m/%Y"),
                        f"IBU UJI {serial:04d}",
                        desa,  # the Kemendagri code: a desa name may exist in two kecamatan
                        names[code],
                        day.strftime("%d/%m/%Y"),
                        f"{weight:.1f}".replace(".", ","),
                        f"{height:.1f}".replace(".", ","),
                        "Terlentang" if pos_lying else "Berdiri",
                        "",
                    ]
                )
    path = out / "eppgbm_planted.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        w.writerows(out_rows)
    return Planted(
        rounding=rounding,
        swapped=swapped,
        low_coverage=low,
        clean=clean,
        desa={r["code"]: r["desa_code"] for r in chosen},
        path=path,
    )
