"""Indonesian name pools for Bengkayang's mix and the spelling variants real registers contain.

Groups: 0 Dayak (mostly Christian given names), 1 Melayu, 2 Hakka (Chinese surname + syllables),
3 Jawa, 4 Bugis, 5 Madura.  Canonical names are UPPERCASE, as SIAK stores them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import polars as pl

DAYAK, MELAYU, HAKKA, JAWA, BUGIS, MADURA = range(6)
GROUPS = ("Dayak", "Melayu", "Hakka", "Jawa", "Bugis", "Madura")

# (first names, second/third names) for boys and girls per group.
_POOLS: dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    DAYAK: (
        (
            "YOHANES",
            "AGUSTINUS",
            "MARTINUS",
            "FRANSISKUS",
            "YULIUS",
            "PETRUS",
            "PAULUS",
            "STEFANUS",
            "ANTONIUS",
            "YOSEF",
            "ANDREAS",
            "MIKAEL",
            "BENEDIKTUS",
            "KRISTIANUS",
            "LUKAS",
            "MARKUS",
            "ADRIANUS",
            "FILIPUS",
            "IGNASIUS",
            "VALENTINUS",
            "ROBERTUS",
            "DONATUS",
            "YAKOBUS",
            "SIMON",
        ),
        (
            "ALDI",
            "SANDI",
            "RIKO",
            "DEDI",
            "JONI",
            "ANDI",
            "HENDRI",
            "YANTO",
            "RIFAN",
            "EDI",
            "NATANAEL",
            "BUJANG",
            "APUI",
            "LIDUS",
            "ALUS",
            "JIMI",
            "KRISTOFER",
            "RONALDO",
            "DIMAS",
            "FERDINAN",
        ),
        (
            "NATALIA",
            "VERONIKA",
            "MARIA",
            "THERESIA",
            "YOSEFINA",
            "ELISABETH",
            "KRISTINA",
            "MAGDALENA",
            "AGNES",
            "MONIKA",
            "KATARINA",
            "ROSALIA",
            "YULIANA",
            "SISILIA",
            "FRANSISKA",
            "MARSELA",
            "LUSIA",
        ),
        (
            "SUSANTI",
            "LESTARI",
            "ANGGRAINI",
            "MELANI",
            "DELVIANA",
            "OKTAVIANI",
            "YANTI",
            "NOVITA",
            "APRILIA",
            "SINTIA",
            "RIKA",
            "JUITA",
            "LINDA",
            "DAYANG",
            "IMELDA",
            "VIONA",
            "SELVIA",
        ),
    ),
    MELAYU: (
        (
            "MUHAMMAD",
            "AHMAD",
            "ABDUL",
            "NUR",
            "RAHMAT",
            "HASAN",
            "HUSIN",
            "SYARIF",
            "ZULKIFLI",
            "FAHRI",
            "RIZKI",
            "ARIF",
            "IRFAN",
            "HENDRA",
            "FIRMAN",
            "UTIN",
            "MUHAMMAD",
            "MUHAMMAD",
        ),
        (
            "RIZKI",
            "FAUZAN",
            "HIDAYAT",
            "RAMADHAN",
            "HAFIZ",
            "ALIF",
            "AKBAR",
            "SAPUTRA",
            "FIKRI",
            "ILHAM",
            "KURNIAWAN",
            "RAHMAN",
            "HAKIM",
            "SYAHPUTRA",
            "FADLI",
            "ARYA",
            "DANI",
        ),
        (
            "SITI",
            "NUR",
            "NURUL",
            "DEWI",
            "PUTRI",
            "AISYAH",
            "FATIMAH",
            "SRI",
            "INDAH",
            "RAHMA",
            "ZAHRA",
            "SALSABILA",
            "KHAIRUNNISA",
            "SYARIFAH",
            "SITI",
            "NURUL",
        ),
        (
            "AISYAH",
            "FITRI",
            "HALIZA",
            "RAMADHANI",
            "HIDAYAH",
            "KHAIRANI",
            "AZZAHRA",
            "RAHMAWATI",
            "WULANDARI",
            "MAHARANI",
            "SAFITRI",
            "NABILA",
            "AINUN",
            "FADILAH",
            "AMALIA",
        ),
    ),
    HAKKA: (
        (
            "KET",
            "SIU",
            "FUK",
            "CHIN",
            "MIN",
            "JUN",
            "KIN",
            "FAT",
            "TJAN",
            "SAN",
            "HIN",
            "LIONG",
            "SEN",
            "KONG",
            "SUN",
            "MENG",
            "HENDRA",
            "ANDI",
            "SUSANTO",
            "BUDIMAN",
            "WILLIAM",
            "KEVIN",
        ),
        ("FA", "LIN", "MOI", "KIONG", "FUI", "HIAN", "KIAT", "CHONG", "PIN", "TET", "JIN", "NYAN", "SIONG"),
        (
            "SIU",
            "FA",
            "LIN",
            "MOI",
            "NYUK",
            "MEI",
            "LAN",
            "JIN",
            "FUNG",
            "KIUN",
            "LI",
            "YIN",
            "MELIANA",
            "SUSANTI",
            "LILIS",
            "VIVI",
            "JESSICA",
            "WINDA",
        ),
        ("FA", "LIN", "MOI", "NYUK", "MEI", "LAN", "JIN", "FUNG", "KIUN", "YIN", "HIAN", "CHU", "NGO"),
    ),
    JAWA: (
        (
            "AGUS",
            "BUDI",
            "JOKO",
            "SLAMET",
            "BAMBANG",
            "EKO",
            "DWI",
            "TRI",
            "HERU",
            "WAHYU",
            "ADI",
            "SUGENG",
            "ANTO",
        ),
        (
            "SANTOSO",
            "SETIAWAN",
            "PRASETYO",
            "NUGROHO",
            "WIBOWO",
            "SAPUTRO",
            "PURNOMO",
            "HARTONO",
            "SUSILO",
            "WIDODO",
        ),
        ("SRI", "DWI", "TRI", "ENDANG", "SITI", "RINI", "WULAN", "DEWI", "ANI", "YULI", "SUMI", "RETNO"),
        (
            "WAHYUNI",
            "LESTARI",
            "RAHAYU",
            "NINGSIH",
            "HANDAYANI",
            "PURWANTI",
            "SUSANTI",
            "WIDYASTUTI",
            "ASTUTI",
        ),
    ),
    BUGIS: (
        ("ANDI", "MUHAMMAD", "ABDUL", "BASO", "ARIFIN", "SYAMSUL", "IRWAN", "HAMZAH", "MUHAMMAD"),
        ("BASO", "RIDWAN", "SYAMSUL", "ASRUL", "IRWAN", "HAMZAH", "KADIR", "MAKMUR", "SUDIRMAN", "RAHMAN"),
        ("ANDI", "SITI", "NURHAYATI", "HASNAH", "RISMA", "ASTUTI", "NUR", "HASNAWATI"),
        ("NURHAYATI", "HASNAWATI", "MARWAH", "ISMAWATI", "NURFADILAH", "RAHMA", "SAFITRI", "AMINAH"),
    ),
    MADURA: (
        ("MOHAMMAD", "ABDUL", "MUHAMMAD", "HOLIL", "SUKRI", "MATRAWI", "SAMSUL", "HASAN", "MOHAMMAD"),
        ("HOLIL", "SUKRI", "ROFIK", "HAMDANI", "SUBAIRI", "MUSLIM", "FAUZI", "RAHMAN", "HOSNAN"),
        ("SITI", "NUR", "HOLIFAH", "MARYAM", "SUMIYATI", "NURUL", "FATIMAH"),
        ("AMINAH", "HOLIFAH", "ROSIDAH", "FATIMAH", "SUHAENI", "JUMAIYAH", "MAISAROH"),
    ),
}

HAKKA_SURNAMES = (
    "LIE", "TJHIN", "BONG", "PHANG", "TJONG", "LIU", "CHONG", "LIM", "TAN", "JONG", "KHO", "NG", "WONG",
    "THEN", "SIAUW", "TJHAI", "FUI", "LAI",
)  # fmt: skip

_VOCAB: list[str] = sorted({x for pools in _POOLS.values() for pool in pools for x in pool})
_SURNAME_OFFSET = len(_VOCAB)
_VOCAB += list(HAKKA_SURNAMES)
_VOCAB_POS = {x: i for i, x in enumerate(_VOCAB[:_SURNAME_OFFSET])}

# Kecamatan mixes (index 0..16 = 61.07.01..17): the coast is Malay, the old gold-mining towns are
# Hakka, the interior is Dayak; transmigrants (Jawa, Madura, Bugis) are spread thinly.
_COAST = (0.14, 0.55, 0.15, 0.08, 0.05, 0.03)
_HAKKA_TOWN = (0.40, 0.17, 0.30, 0.08, 0.03, 0.02)
_INLAND = (0.76, 0.10, 0.05, 0.06, 0.02, 0.01)
_KEC_MIX = {0: _COAST, 14: _COAST, 10: _COAST, 7: _HAKKA_TOWN, 1: _HAKKA_TOWN, 3: _HAKKA_TOWN}


def ethnic_mix(n_kecamatan: int) -> npt.NDArray[np.float64]:
    """Probability of each group per kecamatan (rows sum to 1)."""
    return np.array([_KEC_MIX.get(k, _INLAND) for k in range(n_kecamatan)], dtype=np.float64)


def draw_names(
    *,
    rng: np.random.Generator,
    group: npt.NDArray[np.int8],
    female: npt.NDArray[np.bool_],
    surname: npt.NDArray[np.int64],
) -> pl.Series:
    """Full canonical names.  `surname` indexes HAKKA_SURNAMES (used only for Hakka people)."""
    n = len(group)
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    third = np.full(n, -1, dtype=np.int64)
    for g, (m1, m2, f1, f2) in _POOLS.items():
        for fem, p1, p2 in ((False, m1, m2), (True, f1, f2)):
            idx = np.flatnonzero((group == g) & (female == fem))
            if idx.size == 0:
                continue
            a1 = np.array([_VOCAB_POS[x] for x in p1], dtype=np.int64)
            a2 = np.array([_VOCAB_POS[x] for x in p2], dtype=np.int64)
            first[idx] = a1[rng.integers(0, len(a1), idx.size)]
            second[idx] = a2[rng.integers(0, len(a2), idx.size)]
            third[idx] = a2[rng.integers(0, len(a2), idx.size)]
    # One, two or three given names; Hakka always two syllables after the surname.
    u = rng.random(n)
    n_given = np.where(u < 0.12, 1, np.where(u < 0.80, 2, 3))
    n_given[group == HAKKA] = 2
    sur = np.where(group == HAKKA, surname + _SURNAME_OFFSET, -1)
    df = pl.DataFrame(
        {
            "s": sur,
            "a": first,
            "b": np.where(n_given >= 2, second, -1),
            "c": np.where((n_given >= 3) & (third != second), third, -1),
        }
    )
    vocab = pl.Series("v", _VOCAB, dtype=pl.String)
    parts = [
        pl.when(pl.col(c) >= 0).then(pl.lit(vocab).gather(pl.col(c).clip(0))).alias(c)
        for c in ("s", "a", "b", "c")
    ]
    return (
        df.select(parts)
        .select(pl.concat_str(["s", "a", "b", "c"], separator=" ", ignore_nulls=True))
        .to_series()
    )


# ---------------------------------------------------------------------------------------------------
# Spelling variants.  Each rule maps an uppercase name to a variant; a rule "applies" when it changes
# the name.  Specific rules (real spelling habits) are preferred over the generic fallbacks.

_SPECIFIC: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bMUHAMMAD\b", ("MUHAMAD", "M.", "MOH.", "MUH.", "MUHAMMAT")),
    (r"\bMOHAMMAD\b", ("MOH.", "MUHAMMAD", "MOHAMAD")),
    (r"\bNURUL\b", ("NUR",)),
    (r"\bNUR\b", ("NURUL",)),
    (r"\bSITI\b", ("ST.",)),
    (r"\bSYARIFAH\b", ("SY.", "SARIFAH")),
    (r"\bABDUL\b", ("ABD.",)),
    (r"TJH", ("CH",)),
    (r"TJ", ("CH", "J")),
    (r"^PH", ("F",)),
    (r"\bYOHANES\b", ("JOHANES", "YOHANNES")),
    (r"\bYULIUS\b", ("JULIUS",)),
    (r"\bYOSEF\b", ("JOSEF", "YUSUF")),
    (r"\bYULIANA\b", ("JULIANA",)),
    (r"\bYOSEFINA\b", ("JOSEFINA",)),
    (r"\bFRANSISKUS\b", ("FRANSISCUS", "FRANSISKOS")),
    (r"\bKRISTINA\b", ("CHRISTINA",)),
    (r"\bKRISTIANUS\b", ("CHRISTIANUS",)),
    (r"\bTHERESIA\b", ("TERESIA",)),
    (r"\bVERONIKA\b", ("VERONICA",)),
    (r"\bELISABETH\b", ("ELIZABETH",)),
    (r"\bKATARINA\b", ("KATHARINA",)),
    (r"\bMARSELA\b", ("MARCELA",)),
    (r"\bRIZKI\b", ("RIZKY", "RISKI")),
    (r"\bSYAHPUTRA\b", ("SAHPUTRA",)),
    (r"\bRAMADHAN\b", ("RAMADAN",)),
    (r"\bSAPUTRA\b", ("SAPUTERA",)),
    (r"\bFITRI\b", ("FITRIE",)),
    (r"\bHOLIL\b", ("KHOLIL",)),
    (r"\bSUSANTI\b", ("SUSANTY",)),
    (r"\bJUN\b", ("YUN",)),
    (r"\bSIU\b", ("SIEW",)),
    (r"\bFA\b", ("FAH",)),
)


def _generic_rules() -> list[Callable[[str], str]]:
    def drop_middle(s: str) -> str:
        t = s.split()
        return " ".join([t[0], t[-1]]) if len(t) >= 3 else s

    def abbreviate_middle(s: str) -> str:
        t = s.split()
        return " ".join([t[0], t[1][0] + ".", *t[2:]]) if len(t) >= 3 else s

    def drop_last(s: str) -> str:
        t = s.split()
        return " ".join(t[:-1]) if len(t) >= 2 and len(t[0]) > 3 else s

    def double_letter(s: str) -> str:
        return re.sub(r"([AIUE])([^AIUE\s])\2", r"\1\2", s, count=1)

    return [drop_middle, abbreviate_middle, drop_last, double_letter]


def name_variants(*, names: list[str], rng: np.random.Generator) -> list[str]:
    """A spelling variant of every name (always different from the input, even after upper-casing)."""
    out: list[str] = []
    generic = _generic_rules()
    compiled = [(re.compile(p), reps) for p, reps in _SPECIFIC]
    for name in names:
        # Cheap per-row loop: only the ~12% of rows chosen for this defect come here.
        options: list[str] = []
        for pat, reps in compiled:
            if pat.search(name):
                rep = reps[int(rng.integers(0, len(reps)))]
                options.append(pat.sub(rep, name, count=1))
        options = [o for o in options if o != name]
        if not options or rng.random() < 0.25:
            options += [v for v in (g(name) for g in generic) if v != name]
        if options:
            out.append(options[int(rng.integers(0, len(options)))])
        else:
            # Nothing else applies: the typist's doubled space.
            out.append(name.replace(" ", "  ", 1) if " " in name else name + "H")
    return out
