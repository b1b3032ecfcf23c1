"""Source adapters: the columns of each sectoral export and the vectorised validation of its rows.

An adapter knows a source's headers (the system's usual spelling and the variants officers produce),
turns the raw table the readers give it (every value a string, plus "__row") into typed canonical
columns, and reports every problem as one row of an issues table.  Rows with at least one error are
rejected whole; nothing is lost: accepted + rejected == rows read.

Everything is polars expressions (plus numpy for the WHO z-scores): no Python loop over rows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
import polars as pl

from satuanak.core.nik import error_message, parse_niks
from satuanak.core.sources import Source
from satuanak.sources.reference import ReferenceData, name_expr, normalise_key

ROW = "__row"
ISSUE_SCHEMA: dict[str, pl.DataType] = {
    ROW: pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "code": pl.String(),
    "severity": pl.String(),
    "message": pl.String(),
}
# Fields that number the rows of a report: not content (a duplicate copy gets the next number).
NON_CONTENT_FIELDS = frozenset({"no"})
PERSON_KEY = "person_key"
# Rows validated at a time (see SourceAdapter.validate).
CHUNK_ROWS = 200_000
_WORKERS = max(1, min(2, os.cpu_count() or 1))


class Kind(StrEnum):
    TEXT = "text"
    NIK = "nik"
    KK = "kk"
    DATE = "date"
    DECIMAL = "decimal"
    INTEGER = "integer"
    SEX = "sex"
    CHOICE = "choice"
    DESA = "desa"
    POSYANDU = "posyandu"
    PUSKESMAS = "puskesmas"
    SCHOOL = "school"
    NISN = "nisn"


def normalise_header(text: str) -> str:
    """Casefold and drop punctuation and spaces: "Tgl. Lahir" == "TGL_LAHIR" == "tgl lahir"."""
    return normalise_key(text)


def normalise_value_expr(expr: pl.Expr) -> pl.Expr:
    """The same normalisation for cell values (choices)."""
    return expr.str.to_lowercase().str.replace_all(r"[^0-9a-z]+", "")


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    label: str
    aliases: tuple[str, ...] = ()
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: Mapping[str, str] | None = None  # normalised raw value -> canonical value
    minimum: float | None = None
    maximum: float | None = None
    # NIK columns: the row's birth-date and sex fields the NIK must agree with.
    birth_date_field: str | None = None
    sex_field: str | None = None
    # DATE columns: the birth-date field this date must not precede; "birth" marks a birth date.
    not_before: str | None = None
    is_birth_date: bool = False
    allow_future: bool = False  # e.g. the expected delivery date
    # DESA columns: the kecamatan field that disambiguates a desa name.
    kecamatan_field: str | None = None
    label_en: str = ""

    def header_keys(self) -> frozenset[str]:
        return frozenset(normalise_header(h) for h in (self.label, *self.aliases))

    @property
    def allowed(self) -> list[str]:
        return sorted(set((self.choices or {}).values()))


@dataclass(frozen=True)
class PersonKeySpec:
    """The fields that identify the person of a row (for `person_key`)."""

    nik: str | None = None
    name: str | None = None
    birth_date: str | None = None
    mother_name: str | None = None


@dataclass(frozen=True)
class HeaderMatch:
    fields: dict[str, str]  # field -> header as written
    missing: list[str]  # required fields without a column
    unknown: list[str]  # headers no column spec claims (kept, not an error)

    @property
    def headers(self) -> dict[str, str]:
        """header as written -> field."""
        return {h: f for f, h in self.fields.items()}


class HeaderError(Exception):
    def __init__(self, code: str, message: str, *, missing: Sequence[str] = (), other: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = list(missing)
        self.other = other


@dataclass(frozen=True)
class _Part:
    keys: pl.DataFrame  # ROW, __err, __empty, natural_key, __content
    candidates: pl.DataFrame  # rows without errors, canonical columns
    issues: list[pl.DataFrame]


@dataclass(frozen=True)
class ValidationResult:
    accepted: pl.DataFrame
    rejected: pl.DataFrame
    issues: pl.DataFrame

    @property
    def errors(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == "error")

    @property
    def warnings(self) -> pl.DataFrame:
        return self.issues.filter(pl.col("severity") == "warning")


# ----------------------------------------------------------------------------------------------------
# Vectorised parsers

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "agu": 8,
    "ags": 8,
    "agt": 8,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "nop": 11,
    "des": 12,
    "dec": 12,
}
_EXCEL_EPOCH = date(1899, 12, 30)
_RE_ISO = r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"
_RE_DMY = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$"
_RE_TEXT = r"^(\d{1,2})[\s\-./]*([A-Za-z]+)\.?[\s\-./]*(\d{4}|\d{2})$"
_RE_COMPACT = r"^((?:19|20)\d{2})(\d{2})(\d{2})$"
_RE_SERIAL = r"^(\d{5})(?:\.0+)?$"


def parse_date_expr(s: pl.Expr, *, today: date) -> pl.Expr:
    """Dates as officers type them: ISO (with or without a time), D-M-Y with - / or ., 2-digit years,
    "12 Maret 2020", "20240131", and Excel serial numbers ("45322")."""
    s = s.str.replace(r"[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?$", "")
    iso = s.str.extract_groups(_RE_ISO)
    dmy = s.str.extract_groups(_RE_DMY)
    txt = s.str.extract_groups(_RE_TEXT)
    cmp_ = s.str.extract_groups(_RE_COMPACT)

    def i(e: pl.Expr) -> pl.Expr:
        return e.cast(pl.Int32, strict=False)

    month_word = txt.struct.field("2").str.to_lowercase().str.slice(0, 3)
    year = pl.coalesce(i(iso.struct.field("1")), i(dmy.struct.field("3")), i(txt.struct.field("3")))
    year = pl.coalesce(year, i(cmp_.struct.field("1")))
    month = pl.coalesce(
        i(iso.struct.field("2")),
        i(dmy.struct.field("2")),
        month_word.replace_strict(_MONTHS, default=None, return_dtype=pl.Int32),
        i(cmp_.struct.field("2")),
    )
    day = pl.coalesce(
        i(iso.struct.field("3")),
        i(dmy.struct.field("1")),
        i(txt.struct.field("1")),
        i(cmp_.struct.field("3")),
    )
    # Two-digit years: this century unless that is after today.
    year = (
        pl.when(year >= 100)
        .then(year)
        .when(year + 2000 > today.year)
        .then(year + 1900)
        .otherwise(year + 2000)
    )
    text = pl.concat_str(
        [
            year.cast(pl.String).str.zfill(4),
            month.cast(pl.String).str.zfill(2),
            day.cast(pl.String).str.zfill(2),
        ],
        separator="-",
    )
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    serial = i(s.str.extract(_RE_SERIAL, 1))
    from_serial = pl.when(serial.is_between(1, 99999)).then(
        pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial.cast(pl.Int64))
    )
    return pl.coalesce(parsed, from_serial.cast(pl.Date))


def parse_decimal_expr(s: pl.Expr) -> pl.Expr:
    """Numbers with a decimal comma ("12,5"), thousands dots ("3.250,5"), a unit ("12,5 kg")."""
    x = s.str.replace_all(r"\s", "").str.replace(r"(?i)(kg|gram|gr|g|cm|mm|m)$", "")
    x = (
        pl.when(x.str.contains(",", literal=True) & x.str.contains(".", literal=True))
        .then(x.str.replace_all(".", "", literal=True))
        .otherwise(x)
        .str.replace(",", ".", literal=True)
    )
    return x.cast(pl.Float64, strict=False)


def _clean(expr: pl.Expr, *, collapse: bool = False) -> pl.Expr:
    """Trim, empty -> null; `collapse` also squeezes inner whitespace (free text)."""
    s = expr.cast(pl.String)
    if collapse:
        s = s.str.replace_all(r"\s{2,}|[\t\r\n]", " ")
    s = s.str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _map_distinct(df: pl.DataFrame, deps: list[str], exprs: dict[str, pl.Expr]) -> pl.DataFrame:
    """Evaluate `exprs` (functions of the `deps` columns only) once per distinct value and join back."""
    distinct = df.select(deps).unique()
    if distinct.height * 2 > df.height:  # mostly distinct: evaluating directly is cheaper than a join
        return df.with_columns(**exprs)
    mapped = distinct.with_columns(**exprs)
    return df.join(mapped, on=deps, how="left", nulls_equal=True, maintain_order="left")


def _with_number(df: pl.DataFrame, f: str, *, integer: bool) -> pl.DataFrame:
    """`v:<f>` from `r:<f>`. Most cells are plain numbers ("12.5"): a cast reads them; only the
    rest (decimal comma, units, thousands dots) go through parse_decimal_expr's text clean-up."""
    raw, out = f"r:{f}", f"v:{f}"
    df = df.with_columns(pl.col(raw).cast(pl.Float64, strict=False).alias(out))
    rest = df.filter(pl.col(out).is_null() & pl.col(raw).is_not_null()).select(ROW, raw)
    if rest.height:
        fixed = _map_distinct(rest, [raw], {"__num": parse_decimal_expr(pl.col(raw))}).select(ROW, "__num")
        df = (
            df.join(fixed, on=ROW, how="left", maintain_order="left")
            .with_columns(pl.coalesce(pl.col(out), pl.col("__num")).alias(out))
            .drop("__num")
        )
    if integer:
        x = pl.col(out)
        df = df.with_columns(pl.when(x == x.round(0)).then(x).cast(pl.Int64, strict=False).alias(out))
    return df


def _norm_person_name(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.to_lowercase().str.replace_all(r"[^\w\s]", "").str.replace_all(r"\s+", " ").str.strip_chars()
    )


def _fmt_date(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%d-%m-%Y")


# ----------------------------------------------------------------------------------------------------
# Checks


@dataclass
class _Check:
    column: str  # header as written ("" = row-level)
    value: str | None  # work column holding the raw value
    code: pl.Expr  # String: the code where the check fails, else null
    severity: str
    message: Callable[[], pl.Expr]  # evaluated on the failing rows only


@dataclass
class _Work:
    """Work columns: r:<field> cleaned raw text, v:<field> typed value."""

    checks: list[_Check] = field(default_factory=list)
    typed: dict[str, pl.Expr] = field(default_factory=dict)
    extra: dict[str, pl.Expr] = field(default_factory=dict)  # extra canonical outputs (desa_code, ...)


def r(f: str) -> pl.Expr:
    return pl.col(f"r:{f}")


def v(f: str) -> pl.Expr:
    return pl.col(f"v:{f}")


def _lit(text: str) -> pl.Expr:
    return pl.lit(text, dtype=pl.String)


def _code_when(cond: pl.Expr, code: str) -> pl.Expr:
    return pl.when(cond).then(_lit(code)).otherwise(pl.lit(None, dtype=pl.String))


@dataclass(frozen=True)
class SourceAdapter:
    name: str
    source: Source
    title: str
    columns: tuple[ColumnSpec, ...]
    natural_key: tuple[str, ...]
    sheet_hint: str | None = None
    person: PersonKeySpec | None = None
    # e-PPGBM: (birth date, measurement date, sex, weight, height, position) fields for WHO plausibility
    anthropometry: tuple[str, str, str, str, str, str] | None = None

    # -- headers ------------------------------------------------------------------------------------

    def spec(self, field_name: str) -> ColumnSpec:
        for c in self.columns:
            if c.field == field_name:
                return c
        raise KeyError(field_name)

    def header_score(self, cells: Sequence[str]) -> int:
        keys = {normalise_header(str(c)) for c in cells if c is not None and str(c).strip()}
        return sum(1 for c in self.columns if c.header_keys() & keys)

    def match_headers(self, headers: Sequence[str]) -> HeaderMatch:
        fields: dict[str, str] = {}
        claimed: set[str] = set()
        norm = [(h, normalise_header(h)) for h in headers if h != ROW]
        for spec in self.columns:
            keys = spec.header_keys()
            # the usual label wins over an alias; the first such header in the file wins
            ordered = [normalise_header(spec.label)] + [normalise_header(a) for a in spec.aliases]
            for key in ordered:
                hit = next((h for h, n in norm if n == key and h not in claimed), None)
                if hit is not None:
                    fields[spec.field] = hit
                    claimed.add(hit)
                    break
            del keys
        missing = [c.field for c in self.columns if c.required and c.field not in fields]
        unknown = [h for h, _ in norm if h not in claimed]
        return HeaderMatch(fields=fields, missing=missing, unknown=unknown)

    def _header_error(self, headers: Sequence[str], match: HeaderMatch) -> HeaderError:
        labels = ", ".join(self.spec(f).label for f in match.missing)
        other = guess_adapter(headers)
        if other is not None and other.name != self.name and other.source != self.source:
            return HeaderError(
                "wrong_source",
                f"Berkas ini tampaknya ekspor {other.title_short}, bukan {self.title_short} "
                f"(kolom wajib tidak ada: {labels}) / This looks like a {other.title_short} export, "
                f"not {self.title_short} (missing required columns: {labels})",
                missing=match.missing,
                other=other.name,
            )
        return HeaderError(
            "missing_columns",
            f"Kolom wajib tidak ditemukan: {labels} / Required columns not found: {labels}",
            missing=match.missing,
        )

    @property
    def title_short(self) -> str:
        return _SHORT_TITLES.get(self.name, self.name)

    # -- validation ---------------------------------------------------------------------------------

    def validate(
        self, raw: pl.DataFrame, *, ref: ReferenceData, today: date, chunk_rows: int = CHUNK_ROWS
    ) -> ValidationResult:
        headers = [c for c in raw.columns if c != ROW]
        match = self.match_headers(headers)
        if match.missing:
            raise self._header_error(headers, match)
        if ROW not in raw.columns:
            raw = raw.with_row_index(ROW, offset=1)
        raw = raw.with_columns(pl.col(ROW).cast(pl.Int64))

        # Row-local checks run chunk by chunk: a million rows then need a fraction of the memory
        # of one pass (each check adds work columns), with the same result. Only the duplicate
        # checks look across rows; they run once over the slim key columns of every chunk.
        offsets = range(0, max(raw.height, 1), chunk_rows)

        def run(offset: int) -> _Part:
            return self._validate_rows(raw.slice(offset, chunk_rows), match=match, ref=ref, today=today)

        # Two chunks at a time: many string expressions run on one thread per column, and polars
        # releases the GIL, so a second chunk uses the core the first leaves idle.
        if len(offsets) > 1:
            with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
                parts = list(pool.map(run, offsets))
        else:
            parts = [run(offsets[0])]
        keys = pl.concat([p.keys for p in parts], how="vertical", rechunk=False)
        dups, dup_issues = self._duplicates(keys)
        issues = pl.concat([*(i for p in parts for i in p.issues), *dup_issues], how="vertical")
        # an empty row reports only that it is empty
        empty = keys.filter(pl.col("__empty")).select(ROW)
        issues = (
            issues.join(empty, on=ROW, how="anti")
            .vstack(
                empty.select(
                    pl.col(ROW),
                    column=_lit(""),
                    value=pl.lit(None, dtype=pl.String),
                    code=_lit("empty_row"),
                    severity=_lit("error"),
                    message=_lit("Baris kosong / Empty row"),
                )
            )
            .sort(ROW, maintain_order=True)
        )
        accepted = pl.concat([p.candidates for p in parts], how="vertical", rechunk=False)
        if dups.height:
            accepted = accepted.filter(~pl.col(ROW).is_in(dups[ROW].implode()))
        accepted = accepted.rechunk()
        refused = keys.filter(pl.col("__err") | pl.col("__empty")).select(ROW).vstack(dups)
        rejected = raw.filter(pl.col(ROW).is_in(refused[ROW].implode()))
        return ValidationResult(accepted=accepted, rejected=rejected, issues=issues)

    def _validate_rows(
        self, raw: pl.DataFrame, *, match: HeaderMatch, ref: ReferenceData, today: date
    ) -> _Part:
        """The row-local part of validation for one chunk of rows."""
        present = [c for c in self.columns if c.field in match.fields]
        hdr = match.fields

        # 1. cleaned raw text per field, empty-row flag
        text_fields = {c.field for c in present if c.kind is Kind.TEXT}
        df = (
            raw.lazy()
            .select(
                pl.col(ROW),
                *[
                    _clean(pl.col(hdr[c.field]), collapse=c.field in text_fields).alias(f"r:{c.field}")
                    for c in present
                ],
                pl.all_horizontal(
                    [pl.col(h).str.strip_chars().fill_null("") == "" for h in match.unknown] or [pl.lit(True)]
                ).alias("__empty"),
            )
            .with_columns(
                pl.col("__empty")
                & pl.all_horizontal([r(c.field).is_null() for c in present] or [pl.lit(True)])
            )
            .collect()
        )
        # 2. typed values; parsed once per distinct raw value (codes, dates, weights repeat a lot)
        w = _Work()
        fields = frozenset(hdr)
        for c in present:
            deps, exprs = self._typed(c, w, ref=ref, today=today, present=fields)
            if c.kind in (Kind.DECIMAL, Kind.INTEGER):
                df = _with_number(df, c.field, integer=c.kind is Kind.INTEGER)
            elif exprs:
                df = _map_distinct(df, deps, exprs) if deps else df.with_columns(**exprs)
        if any(c.kind is Kind.NIK for c in present):
            df = self._with_niks(df, present, today=today)
        for c in present:
            self._checks(c, w, hdr=hdr, ref=ref, today=today, present={p.field for p in present})
        if self.anthropometry is not None:
            df = self._plausibility(df, w, hdr=hdr)

        # 3. check codes, error mask
        codes = {f"__c{i}": ch.code for i, ch in enumerate(w.checks)}
        df = df.with_columns(**codes)
        err_cols = [
            pl.col(f"__c{i}").is_not_null() for i, ch in enumerate(w.checks) if ch.severity == "error"
        ]
        df = df.with_columns(
            (~pl.col("__empty") & pl.any_horizontal(err_cols or [pl.lit(False)])).alias("__err")
        )

        # 4. canonical values, keys, a content hash (within this run only: exact copies)
        out_fields = [c.field for c in self.columns]
        canon: dict[str, pl.Expr] = {}
        for c in self.columns:
            if c.field in match.fields:
                canon[c.field] = v(c.field)
            else:
                canon[c.field] = pl.lit(None, dtype=_dtype(c.kind))
        df = df.with_columns(**{f"o:{k}": e for k, e in canon.items()})
        # Only rows without errors take part in the duplicate checks, and in them the typed
        # values say all the raw text did: they are what a copy repeats.
        content = [pl.col(f"o:{f}") for f in out_fields if f not in NON_CONTENT_FIELDS]
        df = self._with_natural_key(self._with_person_key(df))
        df = df.with_columns(__content=pl.struct(content).hash(seed=17))
        ok = ~pl.col("__err") & ~pl.col("__empty")
        return _Part(
            keys=df.select(ROW, "__err", "__empty", "natural_key", "__content"),
            candidates=df.filter(ok).select(
                pl.col(ROW),
                *[pl.col(f"o:{f}").alias(f) for f in out_fields],
                *list(w.extra),
                pl.col(PERSON_KEY),
                pl.col("natural_key"),
            ),
            issues=self._issues(df, w),
        )

    # -- typed values -------------------------------------------------------------------------------

    def _typed(
        self, c: ColumnSpec, w: _Work, *, ref: ReferenceData, today: date, present: frozenset[str]
    ) -> tuple[list[str], dict[str, pl.Expr]]:
        """The work columns a field's typed value (and lookups) need: (raw columns used, expressions)."""
        f = c.field
        s = r(f)
        k = c.kind
        deps = [f"r:{f}"]
        out: dict[str, pl.Expr] = {}
        if k is Kind.DATE:
            out[f"v:{f}"] = parse_date_expr(s, today=today)
        elif k in (Kind.DECIMAL, Kind.INTEGER):
            return deps, {}  # _with_number
        elif k in (Kind.SEX, Kind.CHOICE):
            out[f"v:{f}"] = normalise_value_expr(s).replace_strict(
                dict(c.choices or {}), default=None, return_dtype=pl.String
            )
        elif k is Kind.KK:
            out[f"v:{f}"] = s.str.replace_all(r"[\s.'’‘`\-]", "")
        elif k is Kind.NISN:
            out[f"v:{f}"] = s.str.replace_all(r"[\s'’‘`]", "").str.replace(r"\.0+$", "")
        elif k is Kind.SCHOOL:
            npsn = s.str.replace_all(r"[\s'’‘`]", "").str.replace(r"\.0+$", "")
            out[f"v:{f}"] = npsn
            out[f"k:{f}:known"] = npsn.is_in(sorted(ref.school_npsns))
        elif k is Kind.NIK:
            return deps, {}  # parse_niks in _with_niks
        elif k is Kind.DESA:
            if c.kecamatan_field is not None and c.kecamatan_field in present:
                deps.append(f"r:{c.kecamatan_field}")
            code = self._desa_code_expr(c, ref, present)
            if f.endswith("_code"):  # a code column: the value is the (dotted, known) code
                out[f"v:{f}"] = code
            else:  # a name (or code) column: the name as written + the resolved code
                out[f"v:{f}"] = s
                out[f"{f}_code"] = code
                w.extra[f"{f}_code"] = pl.col(f"{f}_code")
            out[f"k:{f}:ambiguous"] = name_expr(s).is_in(ref.desa_ambiguous_names())
        elif k is Kind.POSYANDU:
            out[f"v:{f}"] = s
            out[f"k:{f}:known"] = name_expr(s).is_in(sorted(ref.posyandu_names))
        elif k is Kind.PUSKESMAS:
            out[f"v:{f}"] = s
            out[f"k:{f}:known"] = name_expr(s).is_in(
                sorted(ref.puskesmas_names)
            ) | s.str.to_uppercase().is_in(sorted(ref.puskesmas_codes))
        else:  # free text: the cleaned value itself, mostly distinct (no per-value pass)
            return [], {f"v:{f}": s}
        return deps, out

    def _desa_code_expr(self, c: ColumnSpec, ref: ReferenceData, present: frozenset[str]) -> pl.Expr:
        s = r(c.field)
        digits = s.str.replace_all(r"[.\s]", "")
        dotted = pl.concat_str(
            [digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2), digits.str.slice(6, 4)],
            separator=".",
        )
        known_codes = list(ref.desa_by_code)
        by_code = pl.when(digits.str.contains(r"^\d{10}$") & dotted.is_in(known_codes)).then(dotted)
        key = name_expr(s)
        unique = key.replace_strict(ref.desa_unique_by_name(), default=None, return_dtype=pl.String)
        code = pl.coalesce(by_code, unique)
        if c.kecamatan_field is not None and c.kecamatan_field in present:
            kec = self._kecamatan_code_expr(c.kecamatan_field, ref)
            both = pl.concat_str([key, kec], separator="|").replace_strict(
                ref.desa_by_name_and_kecamatan(), default=None, return_dtype=pl.String
            )
            code = pl.coalesce(by_code, both, unique)
        return code

    def _kecamatan_code_expr(self, f: str, ref: ReferenceData) -> pl.Expr:
        s = pl.col(f"r:{f}")
        digits = s.str.replace_all(r"[.\s]", "")
        dotted = pl.concat_str(
            [digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2)], separator="."
        )
        by_name = name_expr(s).replace_strict(
            dict(ref.kecamatan_by_name), default=None, return_dtype=pl.String
        )
        return pl.when(digits.str.contains(r"^\d{6}$")).then(dotted).otherwise(by_name)

    def _with_niks(self, df: pl.DataFrame, present: list[ColumnSpec], *, today: date) -> pl.DataFrame:
        cols = {}
        for c in present:
            if c.kind is not Kind.NIK:
                continue
            p = parse_niks(df[f"r:{c.field}"], reference_date=today)
            cols[f"v:{c.field}"] = p["nik"]
            cols[f"n:{c.field}:err"] = p["error_code"]
            cols[f"n:{c.field}:region"] = p["region_code"]
            cols[f"n:{c.field}:dob"] = p["birth_date"]
            cols[f"n:{c.field}:sex"] = p["sex"]
        return df.with_columns(**cols)

    # -- per-column checks --------------------------------------------------------------------------

    def _checks(
        self,
        c: ColumnSpec,
        w: _Work,
        *,
        hdr: dict[str, str],
        ref: ReferenceData,
        today: date,
        present: set[str],
    ) -> None:
        h = hdr[c.field]
        f = c.field
        raw_v = f"r:{f}"
        given = r(f).is_not_null()
        label = c.label

        def add(code: pl.Expr, message: Callable[[], pl.Expr], severity: str = "error") -> None:
            w.checks.append(_Check(h, raw_v, code, severity, message))

        if c.required:
            add(
                _code_when(~given, "required"),
                lambda: _lit(f"Kolom {h} wajib diisi / Column {h} is required"),
            )
        k = c.kind
        if k is Kind.NIK:
            err = pl.col(f"n:{f}:err")
            add(
                pl.when(given & (err != "empty")).then(err),
                lambda: pl.col(f"n:{f}:err").replace_strict(
                    {code: error_message(code) for code in _NIK_CODES}, default=None, return_dtype=pl.String
                ),
            )
            region = pl.col(f"n:{f}:region")
            known = sorted(ref.region_codes)
            add(
                _code_when(region.is_not_null() & ~region.is_in(known), "nik_region_unknown"),
                lambda: pl.format(
                    "Kode kecamatan NIK {} tidak ada dalam daftar Kemendagri (mungkin kode lama) / "
                    "NIK kecamatan code {} is not in the Kemendagri list (possibly an old code)",
                    pl.col(f"n:{f}:region"),
                    pl.col(f"n:{f}:region"),
                ),
                "warning",
            )
            if c.birth_date_field and c.birth_date_field in present:
                bd = v(c.birth_date_field)
                nd = pl.col(f"n:{f}:dob")
                differ = (
                    (bd.dt.day() != nd.dt.day())
                    | (bd.dt.month() != nd.dt.month())
                    | ((bd.dt.year() % 100) != (nd.dt.year() % 100))
                )
                other = hdr[c.birth_date_field]
                add(
                    _code_when(nd.is_not_null() & bd.is_not_null() & differ, "nik_birth_date_mismatch"),
                    lambda: pl.format(
                        "Tanggal lahir dalam NIK ({}) tidak sama dengan kolom {} ({}) / "
                        "The birth date in the NIK ({}) differs from column {} ({})",
                        _fmt_date(pl.col(f"n:{f}:dob")),
                        _lit(other),
                        _fmt_date(v(c.birth_date_field or "")),
                        _fmt_date(pl.col(f"n:{f}:dob")),
                        _lit(other),
                        _fmt_date(v(c.birth_date_field or "")),
                    ),
                )
            if c.sex_field and c.sex_field in present:
                sx = v(c.sex_field)
                ns = pl.col(f"n:{f}:sex")
                other_s = hdr[c.sex_field]
                add(
                    _code_when(ns.is_not_null() & sx.is_not_null() & (ns != sx), "nik_sex_mismatch"),
                    lambda: pl.format(
                        "Jenis kelamin dalam NIK ({}, tanggal {} 40) tidak sama dengan kolom {} ({}) / "
                        "The sex in the NIK ({}, day {} 40) differs from column {} ({})",
                        pl.col(f"n:{f}:sex"),
                        pl.when(pl.col(f"n:{f}:sex") == "P").then(_lit("+")).otherwise(_lit("tanpa")),
                        _lit(other_s),
                        v(c.sex_field or ""),
                        pl.col(f"n:{f}:sex"),
                        pl.when(pl.col(f"n:{f}:sex") == "P").then(_lit("+")).otherwise(_lit("without")),
                        _lit(other_s),
                        v(c.sex_field or ""),
                    ),
                )
        elif k is Kind.KK:
            d = v(f)
            code = (
                pl.when(~given)
                .then(None)
                .when(r(f).str.contains(r"^'?\d+(?:[.,]\d+)?[eE][+-]?\d+$"))
                .then(_lit("exponent"))
                .when(~d.str.contains(r"^\d+$"))
                .then(_lit("non_digit"))
                .when(d.str.len_chars() != 16)
                .then(_lit("kk_length"))
            )
            add(
                code,
                lambda: pl.col("__code").replace_strict(
                    {x: error_message(x) for x in ("exponent", "non_digit", "kk_length")},
                    default=None,
                    return_dtype=pl.String,
                ),
            )
        elif k is Kind.DATE:
            d = v(f)
            add(
                _code_when(given & d.is_null(), "bad_date"),
                lambda: pl.format(
                    "Tanggal '{}' pada kolom {} tidak dapat dibaca (gunakan HH-BB-TTTT) / "
                    "Date '{}' in column {} cannot be read (use DD-MM-YYYY)",
                    r(f),
                    _lit(h),
                    r(f),
                    _lit(h),
                ),
            )
            add(
                _code_when(d > pl.lit(today) if not c.allow_future else pl.lit(False), "future_date"),
                lambda: pl.format(
                    "Tanggal {} pada kolom {} ada di masa depan / Date {} in column {} is in the future",
                    _fmt_date(v(f)),
                    _lit(h),
                    _fmt_date(v(f)),
                    _lit(h),
                ),
            )
            if c.is_birth_date:
                add(
                    _code_when(d < pl.lit(date(1900, 1, 1)), "too_old"),
                    lambda: pl.format(
                        "Tanggal lahir {} sebelum tahun 1900 / Birth date {} is before 1900",
                        _fmt_date(v(f)),
                        _fmt_date(v(f)),
                    ),
                )
            if c.not_before and c.not_before in present:
                b = v(c.not_before)
                other = hdr[c.not_before]
                order_code = "before_birth" if self.spec(c.not_before).is_birth_date else "date_order"
                add(
                    _code_when(d < b, order_code),
                    lambda: pl.format(
                        "Tanggal {} ({}) sebelum {} ({}) / Date {} ({}) is before {} ({})",
                        _lit(h),
                        _fmt_date(v(f)),
                        _lit(other),
                        _fmt_date(v(c.not_before or "")),
                        _lit(h),
                        _fmt_date(v(f)),
                        _lit(other),
                        _fmt_date(v(c.not_before or "")),
                    ),
                )
        elif k in (Kind.DECIMAL, Kind.INTEGER):
            x = v(f)
            add(
                _code_when(given & x.is_null(), "bad_number"),
                lambda: pl.format(
                    "'{}' pada kolom {} bukan angka{} / '{}' in column {} is not a number{}",
                    r(f),
                    _lit(h),
                    _lit(" bulat" if k is Kind.INTEGER else ""),
                    r(f),
                    _lit(h),
                    _lit(" (whole number expected)" if k is Kind.INTEGER else ""),
                ),
            )
            if c.minimum is not None or c.maximum is not None:
                lo = c.minimum if c.minimum is not None else -np.inf
                hi = c.maximum if c.maximum is not None else np.inf
                add(
                    _code_when((x < lo) | (x > hi), "out_of_range"),
                    lambda: pl.format(
                        "Nilai {} pada kolom {} di luar batas {} / Value {} in column {} is outside {}",
                        r(f),
                        _lit(h),
                        _lit(_range_text(c)),
                        r(f),
                        _lit(h),
                        _lit(_range_text(c)),
                    ),
                )
        elif k in (Kind.SEX, Kind.CHOICE):
            allowed = ", ".join(c.allowed)
            add(
                _code_when(given & v(f).is_null(), "bad_choice"),
                lambda: pl.format(
                    "Nilai '{}' pada kolom {} tidak dikenal; yang diizinkan: {} / "
                    "Unknown value '{}' in column {}; allowed: {}",
                    r(f),
                    _lit(h),
                    _lit(allowed),
                    r(f),
                    _lit(h),
                    _lit(allowed),
                ),
            )
        elif k is Kind.NISN:
            add(
                _code_when(given & ~v(f).str.contains(r"^\d{10}$"), "bad_nisn"),
                lambda: pl.format("NISN '{}' harus 10 digit angka / NISN '{}' must be 10 digits", r(f), r(f)),
            )
        elif k is Kind.DESA:
            code_col = v(f) if f.endswith("_code") else pl.col(f"{f}_code")
            ambiguous = pl.col(f"k:{f}:ambiguous")
            add(
                _code_when(given & code_col.is_null() & ~ambiguous, "unknown_desa"),
                lambda: pl.format(
                    "Desa/kelurahan '{}' tidak dikenal di Kabupaten Bengkayang / "
                    "Unknown desa/kelurahan '{}' in Kabupaten Bengkayang",
                    r(f),
                    r(f),
                ),
            )
            add(
                _code_when(given & code_col.is_null() & ambiguous, "ambiguous_desa"),
                lambda: pl.format(
                    "Nama desa '{}' ada di lebih dari satu kecamatan; isi kolom kecamatan atau kode desa / "
                    "Desa name '{}' exists in more than one kecamatan; give the kecamatan or the desa code",
                    r(f),
                    r(f),
                ),
                "warning",
            )
        elif k is Kind.POSYANDU:
            add(
                _code_when(given & ~pl.col(f"k:{f}:known"), "unknown_posyandu"),
                lambda: pl.format("Posyandu '{}' tidak dikenal / Unknown posyandu '{}'", r(f), r(f)),
            )
        elif k is Kind.PUSKESMAS:
            add(
                _code_when(given & ~pl.col(f"k:{f}:known"), "unknown_puskesmas"),
                lambda: pl.format("Puskesmas '{}' tidak dikenal / Unknown puskesmas '{}'", r(f), r(f)),
            )
        elif k is Kind.SCHOOL:
            add(
                _code_when(given & ~pl.col(f"k:{f}:known"), "unknown_school"),
                lambda: pl.format(
                    "NPSN '{}' tidak dikenal (sekolah tidak ada di data referensi) / "
                    "Unknown NPSN '{}' (school not in the reference data)",
                    r(f),
                    r(f),
                ),
            )
        del label

    # -- WHO plausibility ---------------------------------------------------------------------------

    def _plausibility(self, df: pl.DataFrame, w: _Work, *, hdr: dict[str, str]) -> pl.DataFrame:
        from satuanak.growth.who import zscore

        if self.anthropometry is None:
            raise ValueError(f"{self.name} declares no anthropometry columns")
        f_dob, f_date, f_sex, f_w, f_h, f_pos = self.anthropometry
        if f_dob not in hdr or f_date not in hdr:
            return df

        def col(name: str, dtype: pl.DataType) -> pl.Series:
            return df[f"v:{name}"] if name in hdr else pl.Series([None] * df.height, dtype=dtype)

        age = (col(f_date, pl.Date()) - col(f_dob, pl.Date())).dt.total_days()
        sex = col(f_sex, pl.String())
        weight = col(f_w, pl.Float64())
        height = col(f_h, pl.Float64())
        pos = col(f_pos, pl.String())
        lying = pos.replace_strict({"lying": True, "standing": False}, default=None, return_dtype=pl.Boolean)
        valid_age = age.is_not_null() & (age >= 0) & (age <= zscore.MAX_AGE_DAYS)
        hz = zscore.length_height_for_age_z(sex=sex, age_days=age, height_cm=height, measured_lying=lying)
        wz = zscore.weight_for_age_z(sex=sex, age_days=age, weight_kg=weight)
        whz = zscore.weight_for_length_height_z(
            sex=sex, age_days=age, height_cm=height, weight_kg=weight, measured_lying=lying
        )
        w_np = weight.fill_null(np.nan).to_numpy()
        h_np = height.fill_null(np.nan).to_numpy()
        va = valid_age.fill_null(False).to_numpy() & sex.is_not_null().to_numpy()
        # a weight or length of 0 (or less) has no z-score but is the most implausible of all
        wz = np.where(va & (w_np <= 0), -np.inf, wz)
        hz = np.where(va & (h_np <= 0), -np.inf, hz)
        df = df.with_columns(
            pl.Series("__age", age),
            pl.Series("__haz", hz, dtype=pl.Float64).fill_nan(None),
            pl.Series("__waz", wz, dtype=pl.Float64).fill_nan(None),
            pl.Series("__whz", whz, dtype=pl.Float64).fill_nan(None),
        )
        specs = [
            ("__haz", f_h, "lhfa", "PB/U atau TB/U", "length/height-for-age"),
            ("__waz", f_w, "wfa", "BB/U", "weight-for-age"),
            ("__whz", f_w, "wflh", "BB/PB atau BB/TB", "weight-for-length/height"),
        ]
        for zcol, fld, ind, id_name, en_name in specs:
            if fld not in hdr:
                continue
            lo, hi = zscore.BIV_LIMITS[ind]
            z = pl.col(zcol)
            limits = f"{lo:+g}..{hi:+g}"

            def message(
                z: pl.Expr = z, id_name: str = id_name, en_name: str = en_name, limits: str = limits
            ) -> pl.Expr:
                zt = z.round(2).cast(pl.String).str.replace("inf", "∞")
                return pl.format(
                    "Pengukuran tidak masuk akal: z {} = {} (batas {}); periksa BB/TB dan satuannya / "
                    "Implausible measurement: {} z = {} (limits {}); check weight/height and units",
                    _lit(id_name),
                    zt,
                    _lit(limits),
                    _lit(en_name),
                    zt,
                    _lit(limits),
                )

            w.checks.append(
                _Check(
                    hdr[fld],
                    f"r:{fld}",
                    _code_when((z < lo) | (z > hi), "implausible_measurement"),
                    "error",
                    message,
                )
            )
        a = pl.col("__age")
        w.checks.append(
            _Check(
                hdr[f_date],
                f"r:{f_date}",
                _code_when(a > zscore.MAX_AGE_DAYS, "over_five"),
                "warning",
                lambda: pl.format(
                    "Umur saat diukur {} hari (> 60 bulan): di luar standar WHO 0-5 tahun / "
                    "Age at measurement {} days (> 60 months): outside the WHO 0-5 years standard",
                    pl.col("__age"),
                    pl.col("__age"),
                ),
            )
        )
        return df

    # -- keys, duplicates, issues -------------------------------------------------------------------

    def _with_person_key(self, df: pl.DataFrame) -> pl.DataFrame:
        """`person_key`: the NIK, or for a row without one "n:" + normalised name, birth date and
        mother's name. Most rows carry a NIK, so the name key (regular expressions over two
        names) is built only for the rows that lack one."""
        p = self.person
        if p is None:
            return df.with_columns(pl.lit(None, dtype=pl.String).alias(PERSON_KEY))
        fields = {c.field for c in self.columns}

        def o(f: str | None) -> pl.Expr:
            if f is None or f not in fields:
                return pl.lit(None, dtype=pl.String)
            return pl.col(f"o:{f}")

        name = _norm_person_name(o(p.name))
        dob = o(p.birth_date).cast(pl.String) if p.birth_date else pl.lit(None, dtype=pl.String)
        mother = _norm_person_name(o(p.mother_name)).fill_null("")
        by_name = pl.when(name.is_not_null() & (name != "")).then(
            pl.concat_str([pl.lit("n:"), name, pl.lit("|"), dob.fill_null(""), pl.lit("|"), mother])
        )
        if not p.nik or p.nik not in fields:
            return df.with_columns(by_name.alias(PERSON_KEY))
        nik = o(p.nik)
        named = df.filter(nik.is_null()).select(ROW, by_name.alias("__by_name"))
        return (
            df.join(named, on=ROW, how="left", maintain_order="left")
            .with_columns(pl.coalesce(nik, pl.col("__by_name")).alias(PERSON_KEY))
            .drop("__by_name")
        )

    def _with_natural_key(self, df: pl.DataFrame) -> pl.DataFrame:
        parts = []
        for k in self.natural_key:
            e = pl.col(PERSON_KEY) if k == PERSON_KEY else pl.col(f"o:{k}")
            if k != PERSON_KEY and _kind_of(self, k) in (Kind.TEXT, Kind.POSYANDU, Kind.DESA, Kind.PUSKESMAS):
                # names of places repeat: normalise each distinct one once
                df = _map_distinct(df, [f"o:{k}"], {f"__nk:{k}": _norm_person_name(e)})
                e = pl.col(f"__nk:{k}")
            parts.append(e.cast(pl.String))
        # a key without its first part (the person, the NIK, the register number) identifies nothing
        joined = pl.concat_str([p.fill_null("") for p in parts], separator="|")
        key = pl.when(parts[0].is_not_null()).then(joined)
        return df.with_columns(key.alias("natural_key"))

    def _duplicates(self, keys: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
        """Among rows without other errors: exact copies, then same natural key with other content.
        Returns the duplicate rows (ROW) and their issues."""
        # Only rows without other errors take part; windows run only over the few rows whose
        # content (then key) occurs more than once. Rows are in file order: first() is the earliest.
        ok_rows = keys.filter(~pl.col("__err") & ~pl.col("__empty"))
        copies = ok_rows.filter(pl.col("__content").is_duplicated())
        dup_row = copies.with_columns(__first=pl.col(ROW).first().over("__content")).filter(
            pl.col(ROW) != pl.col("__first")
        )
        rest = ok_rows.join(dup_row.select(ROW), on=ROW, how="anti")
        rest = rest.filter(pl.col("natural_key").is_not_null())
        # a 64-bit hash finds the candidates cheaply; the window below compares the keys themselves
        same = rest.filter(pl.col("natural_key").hash(seed=3).is_duplicated())
        dup_key = same.with_columns(__first=pl.col(ROW).first().over("natural_key")).filter(
            pl.col(ROW) != pl.col("__first")
        )
        df = pl.concat(
            [
                dup_row.select(ROW, __dup_row=pl.col("__first"), __dup_key=pl.lit(None, dtype=pl.Int64)),
                dup_key.select(ROW, __dup_row=pl.lit(None, dtype=pl.Int64), __dup_key=pl.col("__first")),
            ]
        ).sort(ROW)
        keys_label = ", ".join(_key_label(self, k) for k in self.natural_key)
        same_row = df.filter(pl.col("__dup_row").is_not_null()).select(
            pl.col(ROW),
            column=_lit(""),
            value=pl.lit(None, dtype=pl.String),
            code=_lit("duplicate_row"),
            severity=_lit("error"),
            message=pl.format(
                "Baris ganda: sama dengan baris {} / Duplicate row: same as row {}",
                pl.col("__dup_row"),
                pl.col("__dup_row"),
            ),
        )
        same_key = df.filter(pl.col("__dup_key").is_not_null()).select(
            pl.col(ROW),
            column=_lit(""),
            value=pl.lit(None, dtype=pl.String),
            code=_lit("duplicate_key"),
            severity=_lit("error"),
            message=pl.format(
                "Kunci ganda ({}) dengan isi berbeda: lihat baris {} / "
                "Duplicate key ({}) with different content: see row {}",
                _lit(keys_label),
                pl.col("__dup_key"),
                _lit(keys_label),
                pl.col("__dup_key"),
            ),
        )
        schema = ISSUE_SCHEMA
        return df.select(ROW), [same_row.cast(schema), same_key.cast(schema)]  # type: ignore[arg-type]

    def _issues(self, df: pl.DataFrame, w: _Work) -> list[pl.DataFrame]:
        lazy = df.lazy()
        frames = []
        for i, ch in enumerate(w.checks):
            code_col = f"__c{i}"
            if code_col not in df.columns:
                df_c = df.with_columns(ch.code.alias(code_col))
                lazy_c = df_c.lazy()
            else:
                lazy_c = lazy
            frames.append(
                lazy_c.filter(pl.col(code_col).is_not_null())
                .with_columns(__code=pl.col(code_col))
                .select(
                    pl.col(ROW),
                    column=_lit(ch.column),
                    value=pl.col(ch.value) if ch.value else pl.lit(None, dtype=pl.String),
                    code=pl.col("__code"),
                    severity=_lit(ch.severity),
                    message=ch.message(),
                )
                .cast(ISSUE_SCHEMA)  # type: ignore[arg-type]
            )
        return pl.collect_all(frames) if frames else []


_NIK_CODES = ("exponent", "non_digit", "length", "bad_region", "bad_date", "serial_zero")


def _range_text(c: ColumnSpec) -> str:
    lo = "" if c.minimum is None else f"{c.minimum:g}"
    hi = "" if c.maximum is None else f"{c.maximum:g}"
    return f"[{lo}..{hi}]"


def _dtype(kind: Kind) -> pl.DataType:
    if kind is Kind.DATE:
        return pl.Date()
    if kind is Kind.DECIMAL:
        return pl.Float64()
    if kind is Kind.INTEGER:
        return pl.Int64()
    return pl.String()


def _kind_of(adapter: SourceAdapter, f: str) -> Kind | None:
    for c in adapter.columns:
        if c.field == f:
            return c.kind
    return None


def _key_label(adapter: SourceAdapter, k: str) -> str:
    if k == PERSON_KEY:
        return "NIK/nama+tgl lahir+ibu"
    try:
        return adapter.spec(k).label
    except KeyError:
        return k


_SHORT_TITLES = {
    "siak": "SIAK",
    "eppgbm": "e-PPGBM",
    "imunisasi": "Imunisasi",
    "kia_kehamilan": "KIA (ibu hamil)",
    "kia_persalinan": "KIA (persalinan)",
    "dapodik": "DAPODIK",
    "simfoni": "SIMFONI PPA",
}


def guess_adapter(headers: Sequence[str]) -> SourceAdapter | None:
    """The adapter whose columns the headers match best (at least 3, and most of its required ones)."""
    from satuanak.sources import ADAPTERS

    best: tuple[float, int, SourceAdapter] | None = None
    for a in ADAPTERS.values():
        score = a.header_score(headers)
        m = a.match_headers(headers)
        required = [c for c in a.columns if c.required]
        req_share = 1 - len(m.missing) / max(1, len(required))
        cand = (req_share * score, score, a)
        if score >= 3 and req_share >= 0.5 and (best is None or cand[:2] > best[:2]):
            best = cand
    return best[2] if best else None


_WS = re.compile(r"\s+")
