"""Value vocabularies shared by the adapters: normalised spelling -> canonical value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from satuanak.sources.reference import normalise_key


def vocabulary(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{"L": ["L", "Laki-laki"]} -> {"l": "L", "lakilaki": "L"}; the canonical value matches itself."""
    out: dict[str, str] = {}
    for canonical, spellings in groups.items():
        for s in (canonical, *spellings):
            out[normalise_key(s)] = canonical
    return out


SEX = vocabulary(
    {
        "L": [
            "L",
            "LAKI-LAKI",
            "Laki-laki",
            "Laki Laki",
            "Laki",
            "LK",
            "Lk.",
            "M",
            "Male",
            "Pria",
            "1",
            "Cowok",
        ],
        "P": ["P", "PEREMPUAN", "Perempuan", "PR", "Pr.", "F", "Female", "Wanita", "2", "Cewek"],
    }
)
YES_NO = vocabulary(
    {
        "Ya": ["Y", "Ya", "Yes", "1", "KEK", "Ada", "Benar"],
        "Tidak": ["T", "Tidak", "Tdk", "No", "N", "0", "Tidak KEK", "Non KEK", "Normal", "Tidak Ada", "-"],
    }
)
HAVE = vocabulary(
    {
        "ADA": ["Ada", "Ya", "Y", "Punya", "Sudah", "Sudah Ada", "1"],
        "TIDAK ADA": ["Tidak", "Tidak Ada", "Tdk", "T", "Belum", "Belum Ada", "Belum Punya", "0"],
    }
)
POSITION = vocabulary(
    {
        "lying": [
            "Terlentang",
            "Telentang",
            "Berbaring",
            "Baring",
            "Tidur",
            "Lying",
            "Recumbent",
            "L",
            "PB",
            "Panjang Badan",
        ],
        "standing": ["Berdiri", "Standing", "H", "TB", "Tinggi Badan", "Tegak"],
    }
)


def _vaccines() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {
        "HB0": [
            "HB 0",
            "HB-0",
            "HBO",
            "Hep B0",
            "HepB 0",
            "Hepatitis B0",
            "Hepatitis B 0",
            "HB0 <24 jam",
            "HB0 (<24 jam)",
            "Hb0 0-7 hari",
            "Uniject HB0",
        ],
        "BCG": ["BCG"],
        "JE": ["JE", "Japanese Encephalitis"],
    }
    for n in range(1, 5):
        groups[f"OPV{n}"] = [f"OPV {n}", f"Polio {n}", f"bOPV {n}", f"bOPV{n}", f"Polio Tetes {n}"]
        groups[f"DPT-HB-Hib{n}"] = [
            f"DPT-HB-Hib {n}",
            f"DPT-HB-HIB{n}",
            f"DPT HB Hib {n}",
            f"DPT/HB/Hib {n}",
            f"Pentavalen {n}",
            f"Penta {n}",
            f"Pentabio {n}",
            f"DPT-HB {n}",
            f"DPT {n}",
        ]
    for n in range(1, 4):
        groups[f"PCV{n}"] = [f"PCV {n}", f"Pneumokokus {n}", f"Pneumokokus Konyugasi {n}"]
        groups[f"RV{n}"] = [f"RV {n}", f"Rotavirus {n}", f"Rota {n}"]
    for n in range(1, 3):
        groups[f"IPV{n}"] = [f"IPV {n}", f"Polio Suntik {n}"]
        groups[f"MR{n}"] = [
            f"MR {n}",
            f"Campak Rubela {n}",
            f"Campak Rubella {n}",
            f"Campak-Rubela {n}",
            f"Campak {n}",
            f"MR Lanjutan {n}" if n == 2 else f"MR Dasar {n}",
        ]
    groups["IPV1"] += ["IPV"]
    groups["MR2"] += ["MR Lanjutan", "Campak Lanjutan"]
    groups["DPT-HB-Hib4"] += ["DPT-HB-Hib Lanjutan", "Pentavalen Lanjutan"]
    return groups


VACCINE = vocabulary(_vaccines())
