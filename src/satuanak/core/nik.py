"""NIK (Nomor Induk Kependudukan) and KK (Kartu Keluarga) numbers.

NIK = PP KK CC DDMMYY SSSS: province, kabupaten/kota, kecamatan of *first* registration (it never
changes when a person moves), birth date with DD + 40 for females, and a serial 0001-9999 that makes
the number unique within (region, birth date, sex).  KK number = 6-digit region of issuance + DDMMYY
date of issuance + 4-digit serial.

Scalar helpers (`Nik.parse`, `Nik.build`) serve forms and tests; the vectorised helpers
(`build_niks`, `nik_expr`, `parse_niks`) serve the generator and the importers, which handle
millions of rows and must not loop in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

Sex = Literal["L", "P"]

# Excel and CSV round-trips decorate numbers: a leading apostrophe forces text, thousands separators
# and spaces creep in from copy-paste.  Those carry no information, so they are removed before checks.
_STRIP_RE = re.compile(r"[\s.'’‘`\-]")
# A float rendering ("6.10701e+15") has already lost the trailing digits: it can never be repaired.
_EXPONENT_RE = re.compile(r"^\s*'?\d+(?:[.,]\d+)?[eE][+-]?\d+\s*$")
# A 16-digit integer stored as a float and printed as "6107014501170001.0" is still exact
# (NIKs are < 2**53), so the ".0" suffix alone is not a defect.
_FLOAT_SUFFIX_RE = re.compile(r"^(\d{16})\.0+$")

_MESSAGES: dict[str, str] = {
    "empty": "NIK kosong / NIK is empty",
    "exponent": (
        "NIK tertulis sebagai angka pecahan berpangkat (mis. 6.10701e+15), digit sudah hilang; "
        "format kolom sebagai teks / NIK is in exponent notation, digits are lost; format the column as text"
    ),
    "non_digit": "NIK hanya boleh berisi angka / NIK must contain digits only",
    "length": "NIK harus 16 digit / NIK must be 16 digits",
    "bad_region": "Kode wilayah NIK tidak sah / NIK region code is invalid",
    "bad_date": "Tanggal lahir dalam NIK tidak sah / NIK birth date is invalid",
    "serial_zero": "Nomor urut NIK tidak boleh 0000 / NIK serial must not be 0000",
    "kk_bad_date": "Tanggal dalam nomor KK tidak sah / KK number date is invalid",
    "kk_length": "Nomor KK harus 16 digit / KK number must be 16 digits",
}


class NikError(ValueError):
    """A NIK (or KK number) that cannot be valid; `code` is stable for programs, the message is for people."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        message = _MESSAGES.get(code, code)
        super().__init__(f"{message}{f': {detail}' if detail else ''}")


def error_message(code: str) -> str:
    """The bilingual message for an error code (used by importers that got codes from `parse_niks`)."""
    return _MESSAGES.get(code, code)


def _normalise(text: str, *, what: str = "nik") -> str:
    raw = str(text).strip()
    if not raw:
        raise NikError("empty")
    if _EXPONENT_RE.match(raw):
        raise NikError("exponent", raw)
    m = _FLOAT_SUFFIX_RE.match(raw)
    if m:
        return m.group(1)
    digits = _STRIP_RE.sub("", raw)
    if not digits:
        raise NikError("empty")
    if not digits.isdigit() or not digits.isascii():
        raise NikError("non_digit", raw)
    if len(digits) != 16:
        raise NikError("length" if what == "nik" else "kk_length", f"{len(digits)} digit")
    return digits


def _resolve_year(yy: int, month: int, day: int, reference_date: date) -> int:
    """Two-digit years: the latest century that does not put the date after `reference_date`."""
    year = 2000 + yy
    try:
        if date(year, month, day) > reference_date:
            year -= 100
    except ValueError:
        # 29-02 in a non-leap 20xx year: try the previous century as well
        year -= 100
    return year


@dataclass(frozen=True, slots=True)
class Nik:
    """A structurally valid NIK."""

    value: str
    region_code: str  # Kemendagri form, e.g. "61.07.01"
    birth_date: date
    sex: Sex
    serial: int

    @property
    def kabupaten_code(self) -> str:
        return self.region_code[:5]

    @classmethod
    def parse(cls, text: str, *, reference_date: date | None = None) -> Nik:
        """Parse `text`, raising `NikError` with a machine code when it cannot be a NIK."""
        ref = reference_date or datetime.now(tz=UTC).date()
        digits = _normalise(text)
        pp, kk, cc = digits[0:2], digits[2:4], digits[4:6]
        if int(pp) < 11 or kk == "00" or cc == "00":
            raise NikError("bad_region", digits[:6])
        dd, mm, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
        sex: Sex = "L"
        if dd > 40:
            dd -= 40
            sex = "P"
        if not (1 <= mm <= 12 and 1 <= dd <= 31):
            raise NikError("bad_date", digits[6:12])
        year = _resolve_year(yy, mm, dd, ref)
        try:
            born = date(year, mm, dd)
        except ValueError:
            raise NikError("bad_date", digits[6:12]) from None
        serial = int(digits[12:16])
        if serial == 0:
            raise NikError("serial_zero")
        return cls(value=digits, region_code=f"{pp}.{kk}.{cc}", birth_date=born, sex=sex, serial=serial)

    @staticmethod
    def build(*, kecamatan_code: str, birth_date: date, sex: Sex, serial: int) -> str:
        """The NIK for a person first registered in `kecamatan_code` ("61.07.01" or "610701")."""
        region = kecamatan_code.replace(".", "")
        if len(region) != 6 or not region.isdigit():
            raise ValueError(f"kecamatan_code must have 6 digits: {kecamatan_code!r}")
        if not 1 <= serial <= 9999:
            raise ValueError(f"serial must be 1..9999: {serial}")
        day = birth_date.day + (40 if sex == "P" else 0)
        return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


@dataclass(frozen=True, slots=True)
class KkNumber:
    """A structurally valid family-card (KK) number."""

    value: str
    region_code: str
    issued: date
    serial: int

    @classmethod
    def parse(cls, text: str, *, reference_date: date | None = None) -> KkNumber:
        ref = reference_date or datetime.now(tz=UTC).date()
        digits = _normalise(text, what="kk")
        if int(digits[0:2]) < 11:
            raise NikError("bad_region", digits[:6])
        dd, mm, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
        try:
            issued = date(_resolve_year(yy, mm, dd, ref), mm, dd)
        except ValueError:
            raise NikError("kk_bad_date", digits[6:12]) from None
        region = f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"
        return cls(value=digits, region_code=region, issued=issued, serial=int(digits[12:16]))

    @staticmethod
    def build(*, kecamatan_code: str, issued: date, serial: int) -> str:
        region = kecamatan_code.replace(".", "")
        if len(region) != 6 or not region.isdigit() or not 1 <= serial <= 9999:
            raise ValueError("kecamatan_code must have 6 digits and serial 1..9999")
        return f"{region}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"


# ---------------------------------------------------------------------------------------------------
# Vectorised helpers


def nik_expr(*, region: pl.Expr, birth_date: pl.Expr, female: pl.Expr, serial: pl.Expr) -> pl.Expr:
    """Polars expression building NIKs; `region` is "61.07.01" or "610701", `birth_date` a Date."""
    day = birth_date.dt.day().cast(pl.Int32) + pl.when(female).then(40).otherwise(0)
    return pl.concat_str(
        [
            region.str.replace_all(".", "", literal=True),
            day.cast(pl.String).str.zfill(2),
            birth_date.dt.month().cast(pl.String).str.zfill(2),
            (birth_date.dt.year() % 100).cast(pl.String).str.zfill(2),
            serial.cast(pl.String).str.zfill(4),
        ]
    )


def kk_expr(*, region: pl.Expr, issued: pl.Expr, serial: pl.Expr) -> pl.Expr:
    """Polars expression building KK numbers."""
    return nik_expr(region=region, birth_date=issued, female=pl.lit(False), serial=serial)


def build_niks(
    *,
    kecamatan_codes: npt.NDArray[np.str_] | npt.NDArray[np.object_],
    birth_dates: npt.NDArray[np.datetime64],
    sexes: npt.NDArray[np.str_] | npt.NDArray[np.object_],
    serials: npt.NDArray[np.integer],
) -> npt.NDArray[np.object_]:
    """NIKs for many people at once (arrays of equal length); sexes are "L"/"P"."""
    df = pl.DataFrame(
        {
            "region": pl.Series(kecamatan_codes, dtype=pl.String),
            "dob": pl.Series(birth_dates.astype("datetime64[D]")),
            "sex": pl.Series(sexes, dtype=pl.String),
            "serial": pl.Series(serials.astype(np.int32)),
        }
    )
    if ((df["serial"] < 1) | (df["serial"] > 9999)).any():
        raise ValueError("serials must be 1..9999")
    out = df.select(
        nik_expr(
            region=pl.col("region"),
            birth_date=pl.col("dob"),
            female=pl.col("sex") == "P",
            serial=pl.col("serial"),
        )
    ).to_series()
    return out.to_numpy().astype(object)


def parse_niks(values: pl.Series, *, reference_date: date) -> pl.DataFrame:
    """Parse many NIKs at once.

    Returns one row per input with columns: nik (normalised digits or null), valid, region_code
    ("61.07.01"), birth_date, sex ("L"/"P"), serial, error_code (null when valid).  The checks and
    codes are the same as `Nik.parse`.
    """
    raw = values.cast(pl.String).str.strip_chars()
    df = pl.DataFrame({"raw": raw})
    ref_year2 = reference_date.year % 100
    ref_ordinal = reference_date.month * 100 + reference_date.day
    digits = (
        pl.when(pl.col("raw").str.contains(r"^\d{16}\.0+$"))
        .then(pl.col("raw").str.slice(0, 16))
        .otherwise(pl.col("raw").str.replace_all(r"[\s.'’‘`\-]", ""))
    )
    df = df.with_columns(digits.alias("d"))
    dd = pl.col("d").str.slice(6, 2).cast(pl.Int32, strict=False)
    mm = pl.col("d").str.slice(8, 2).cast(pl.Int32, strict=False)
    yy = pl.col("d").str.slice(10, 2).cast(pl.Int32, strict=False)
    df = df.with_columns(
        female=dd > 40,
        day=pl.when(dd > 40).then(dd - 40).otherwise(dd),
        month=mm,
        yy=yy,
    )
    # Century: 20yy unless that would be after the reference date (same rule as `_resolve_year`).
    after = (pl.col("yy") > ref_year2) | (
        (pl.col("yy") == ref_year2) & (pl.col("month") * 100 + pl.col("day") > ref_ordinal)
    )
    year = pl.when(after).then(1900 + pl.col("yy")).otherwise(2000 + pl.col("yy"))
    df = df.with_columns(year=year)
    df = df.with_columns(
        birth_date=pl.date(pl.col("year"), pl.col("month").clip(1, 12), pl.lit(1))
        + pl.duration(days=pl.col("day").clip(1, 99) - 1)
    )
    # Adding days rolls 31-02 over into March: such dates are invalid, which the month check catches.
    date_ok = (
        pl.col("month").is_between(1, 12)
        & pl.col("day").is_between(1, 31)
        & (pl.col("birth_date").dt.month() == pl.col("month"))
    )
    region_ok = (pl.col("d").str.slice(0, 2).cast(pl.Int32, strict=False) >= 11) & ~(
        (pl.col("d").str.slice(2, 2) == "00") | (pl.col("d").str.slice(4, 2) == "00")
    )
    serial = pl.col("d").str.slice(12, 4).cast(pl.Int32, strict=False)
    error = (
        pl.when(pl.col("raw").is_null() | (pl.col("raw") == ""))
        .then(pl.lit("empty"))
        .when(pl.col("raw").str.contains(r"^'?\d+(?:[.,]\d+)?[eE][+-]?\d+$"))
        .then(pl.lit("exponent"))
        .when(pl.col("d") == "")
        .then(pl.lit("empty"))
        .when(~pl.col("d").str.contains(r"^[0-9]+$"))
        .then(pl.lit("non_digit"))
        .when(pl.col("d").str.len_chars() != 16)
        .then(pl.lit("length"))
        .when(~region_ok)
        .then(pl.lit("bad_region"))
        .when(~date_ok)
        .then(pl.lit("bad_date"))
        .when(serial == 0)
        .then(pl.lit("serial_zero"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    df = df.with_columns(error_code=error)
    ok = pl.col("error_code").is_null()
    return df.select(
        nik=pl.when(ok).then(pl.col("d")),
        valid=ok,
        region_code=pl.when(ok).then(
            pl.concat_str(
                [pl.col("d").str.slice(0, 2), pl.col("d").str.slice(2, 2), pl.col("d").str.slice(4, 2)],
                separator=".",
            )
        ),
        birth_date=pl.when(ok).then(pl.col("birth_date")),
        sex=pl.when(ok).then(pl.when(pl.col("female")).then(pl.lit("P")).otherwise(pl.lit("L"))),
        serial=pl.when(ok).then(serial),
        error_code=pl.col("error_code"),
    )


@lru_cache(maxsize=4)
def _known_regions(data_dir: Path) -> frozenset[str]:
    df = pl.read_csv(
        data_dir / "indonesia_wilayah_to_kecamatan.csv",
        columns=["code"],
        schema_overrides={"code": pl.String},
    )
    return frozenset(df["code"].to_list())


def region_code_known(code: str, *, data_dir: Path) -> bool:
    """Whether a kecamatan code ("61.07.01" or "610701") exists in today's Kemendagri list.

    An unknown code is a warning, not proof of a bad NIK: NIKs keep the kecamatan of first
    registration, and kecamatan have been split and renumbered since NIKs began (2006-).
    """
    digits = code.replace(".", "")
    if len(digits) != 6:
        return False
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}" in _known_regions(data_dir.resolve())
