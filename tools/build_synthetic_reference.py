"""Build the synthetic reference files in data/synthetic/ (run once; output is committed).

No public per-desa population, posyandu or school list for Bengkayang was found (see
data/PROVENANCE.md), so these files are *synthetic*, deterministic (fixed seed) and say so
in every row. Kecamatan totals come from data/kecamatan_population.csv (2010 census where
known, an estimate otherwise); a desa gets a share of its kecamatan by a fixed random weight.
Re-running this script reproduces the same files byte for byte.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
OUT = DATA / "synthetic"

# Flowers and local words commonly used for posyandu names in Kalimantan Barat.
POSYANDU_NAMES = [
    "Melati",
    "Mawar",
    "Anggrek",
    "Dahlia",
    "Kenanga",
    "Cempaka",
    "Flamboyan",
    "Teratai",
    "Seroja",
    "Bougenville",
    "Kasih Ibu",
    "Harapan Bunda",
    "Tunas Harapan",
    "Sehati",
    "Bina Sehat",
    "Pelangi",
    "Lestari",
    "Nusa Indah",
    "Kamboja",
    "Tanjung",
]


def main() -> None:
    rng = random.Random(61_07)
    wilayah = list(csv.DictReader((DATA / "bengkayang_wilayah.csv").open(encoding="utf-8")))
    kec_pop = {
        r["kecamatan_code"]: int(r["population"])
        for r in csv.DictReader((DATA / "kecamatan_population.csv").open(encoding="utf-8"))
    }
    desa_by_kec: dict[str, list[dict[str, str]]] = {}
    for r in wilayah:
        if r["level"] in ("desa", "kelurahan"):
            desa_by_kec.setdefault(r["parent_code"], []).append(r)

    OUT.mkdir(parents=True, exist_ok=True)
    pop_rows, pos_rows, sch_rows = [], [], []
    npsn = 99_000_001  # 99… prefix: not a real NPSN range, marks the row as synthetic
    for kec_code, desas in sorted(desa_by_kec.items()):
        weights = [rng.lognormvariate(0, 0.45) * (1.6 if d["level"] == "kelurahan" else 1.0) for d in desas]
        total_w = sum(weights)
        shares = [round(kec_pop[kec_code] * w / total_w) for w in weights]
        for d, pop in zip(desas, shares, strict=True):
            pop_rows.append([d["code"], d["name"], kec_code, pop, "synthetic share of kecamatan total"])
            # About one posyandu per 600 residents, at least one per desa.
            n_pos = max(1, round(pop / 600))
            names = rng.sample(POSYANDU_NAMES, k=min(n_pos, len(POSYANDU_NAMES)))
            for i, nm in enumerate(names, start=1):
                pos_rows.append(
                    [f"{d['code']}.P{i:02d}", f"Posyandu {nm} {d['name']}", d["code"], "synthetic"]
                )
            # Roughly one SD per 700 residents, at least one per desa.
            for i in range(1, max(1, round(pop / 700)) + 1):
                sch_rows.append(
                    [
                        str(npsn),
                        f"SD Negeri {i:02d} {d['name']}",
                        "SD",
                        kec_code,
                        d["code"],
                        "negeri",
                        "synthetic",
                    ]
                )
                npsn += 1
        kec_name = next(r["name"] for r in wilayah if r["code"] == kec_code)
        n_smp = max(1, round(kec_pop[kec_code] / 5000))
        for i in range(1, n_smp + 1):
            d = desas[(i - 1) % len(desas)]
            sch_rows.append(
                [str(npsn), f"SMP Negeri {i} {kec_name}", "SMP", kec_code, d["code"], "negeri", "synthetic"]
            )
            npsn += 1
        n_sma = max(1, round(kec_pop[kec_code] / 12000))
        for i in range(1, n_sma + 1):
            d = desas[(i - 1) % len(desas)]
            sch_rows.append(
                [str(npsn), f"SMA Negeri {i} {kec_name}", "SMA", kec_code, d["code"], "negeri", "synthetic"]
            )
            npsn += 1

    def write(name: str, header: list[str], rows: list[list[object]]) -> None:
        with (OUT / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write("desa_population.csv", ["desa_code", "desa_name", "kecamatan_code", "population", "note"], pop_rows)
    write("posyandu.csv", ["code", "name", "desa_code", "note"], pos_rows)
    write("schools.csv", ["npsn", "name", "level", "kecamatan_code", "desa_code", "status", "note"], sch_rows)
    print(f"{len(pop_rows)} desa, {len(pos_rows)} posyandu, {len(sch_rows)} schools")


if __name__ == "__main__":
    main()
