"""Reference data the import checks look codes and names up in (pure Python, no Django).

The Django side builds it from the database with `ReferenceData.build(...)`; tests and the command
line build it from the repository's `data/` folder with `ReferenceData.from_data_dir(...)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Prefixes officers add or drop at will: "Desa X", "Kel. X", "Posyandu X", "PKM X", "UPT Puskesmas X".
_PREFIXES = ("desa", "kelurahan", "kel", "posyandu", "uptpuskesmas", "puskesmas", "pkm", "kecamatan", "kec")


def normalise_key(text: str) -> str:
    """Casefold and drop everything but letters and digits: "Sungai  Duri" == "SUNGAI-DURI"."""
    return _NON_ALNUM.sub("", text.casefold())


def normalise_name(text: str) -> str:
    """`normalise_key` without the administrative prefix ("Desa", "Posyandu", "Puskesmas", ...)."""
    key = normalise_key(text)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 2:
            return key[len(prefix) :]
    return key


def name_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised `normalise_name` (same result for the same text)."""
    key = expr.str.to_lowercase().str.replace_all(r"[^0-9a-z]+", "")
    pattern = "^(?:" + "|".join(_PREFIXES) + ")(.{3,})$"
    return pl.when(key.str.contains(pattern)).then(key.str.extract(pattern, 1)).otherwise(key)


def _dotted(code: str) -> str:
    digits = re.sub(r"\D", "", code)
    if len(digits) == 10:
        return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:10]}"
    if len(digits) == 6:
        return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"
    return code.strip()


@dataclass(frozen=True)
class ReferenceData:
    desa_by_code: Mapping[str, tuple[str, str]]  # "61.07.01.2001" -> (name, kecamatan code)
    desa_by_name: Mapping[str, tuple[str, ...]]  # normalised name -> desa codes (2+ = ambiguous)
    kecamatan_names: Mapping[str, str]  # kecamatan code -> name
    posyandu_names: frozenset[str]  # normalised names
    puskesmas_codes: frozenset[str]
    puskesmas_names: frozenset[str]  # normalised names
    school_npsns: frozenset[str]
    region_codes: frozenset[str]  # every Indonesian kecamatan code, "61.07.01"
    kecamatan_by_name: Mapping[str, str] = field(default_factory=dict)  # normalised name -> code

    @classmethod
    def build(
        cls,
        *,
        desa: Iterable[tuple[str, str, str]],
        posyandu: Iterable[str],
        puskesmas: Iterable[tuple[str, str]],
        schools: Iterable[str],
        region_codes: Iterable[str],
        kecamatan: Iterable[tuple[str, str]] = (),
    ) -> ReferenceData:
        """`desa` = (code, name, kecamatan code); `puskesmas` = (code, name); `kecamatan` = (code, name)."""
        by_code: dict[str, tuple[str, str]] = {}
        by_name: dict[str, list[str]] = {}
        for code, name, kec in desa:
            c = _dotted(code)
            by_code[c] = (name, _dotted(kec))
            by_name.setdefault(normalise_name(name), []).append(c)
        kec_names = {_dotted(c): n for c, n in kecamatan}
        pk = list(puskesmas)
        return cls(
            desa_by_code=by_code,
            desa_by_name={k: tuple(sorted(v)) for k, v in by_name.items()},
            kecamatan_names=kec_names,
            posyandu_names=frozenset(normalise_name(p) for p in posyandu),
            puskesmas_codes=frozenset(c.strip().upper() for c, _ in pk),
            puskesmas_names=frozenset(normalise_name(n) for _, n in pk),
            school_npsns=frozenset(s.strip() for s in schools),
            region_codes=frozenset(_dotted(r) for r in region_codes),
            kecamatan_by_name={normalise_name(n): c for c, n in kec_names.items()},
        )

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> ReferenceData:
        """From the repository's `data/` (real Bengkayang codes, synthetic posyandu and schools)."""
        strings = {"code": pl.String, "parent_code": pl.String}
        wil = pl.read_csv(data_dir / "bengkayang_wilayah.csv", schema_overrides=strings)
        desa = wil.filter(pl.col("level").is_in(["desa", "kelurahan"]))
        kec = wil.filter(pl.col("level") == "kecamatan")
        pos = pl.read_csv(data_dir / "synthetic" / "posyandu.csv", schema_overrides={"code": pl.String})
        sch = pl.read_csv(data_dir / "synthetic" / "schools.csv", schema_overrides={"npsn": pl.String})
        pkm = pl.read_csv(data_dir / "bengkayang_puskesmas.csv", schema_overrides={"code": pl.String})
        ind = pl.read_csv(data_dir / "indonesia_wilayah_to_kecamatan.csv", schema_overrides=strings)
        return cls.build(
            desa=desa.select("code", "name", "parent_code").iter_rows(),
            posyandu=pos["name"].to_list(),
            puskesmas=pkm.select("code", "name").iter_rows(),
            schools=sch["npsn"].to_list(),
            region_codes=ind.filter(pl.col("level") == "kecamatan")["code"].to_list(),
            kecamatan=kec.select("code", "name").iter_rows(),
        )

    # -- lookup tables for the vectorised checks ------------------------------------------------

    def desa_unique_by_name(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.desa_by_name.items() if len(v) == 1}

    def desa_ambiguous_names(self) -> list[str]:
        return [k for k, v in self.desa_by_name.items() if len(v) > 1]

    def desa_by_name_and_kecamatan(self) -> dict[str, str]:
        """ "<normalised desa name>|<kecamatan code>" -> desa code."""
        return {f"{normalise_name(name)}|{kec}": code for code, (name, kec) in self.desa_by_code.items()}
