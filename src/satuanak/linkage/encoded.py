"""Hashed records from an agency, wired in: the agency encodes its export, the platform links the
encoded file to its golden children (issue 18, part 6).

The agency's side (`encoded_file_write`, `satuanak privacy encode`): its clear export is read by
the import readers and validated by the source's adapter exactly as an import would be (title
rows, header spellings, encodings, date formats, desa names -> codes), then each accepted row is
encoded by `privacy.encode_frame` and written to an encoded CSV (`WIRE_COLUMNS`): the row number
as the agency's file shows it, the key id, the tokens and Bloom filters, sex and desa code, and
the non-identifying payload columns the agency chose to keep. A row the import would refuse
is written too, without tokens, with its reasons (column and code, never the value), so the
file accounts for every row. No name or NIK leaves in clear.

The platform's side (`encoded_file_link`, `satuanak linkage link-encoded`): the encoded file is
read (the same readers: an encoded CSV re-saved from Excel still reads), checked as a whole (key
id, scheme, columns: refused with a bilingual `EncodedError`) and row by row (malformed tokens:
the row is refused with its reason), and linked to the golden children (`persons.Child`),
encoded here with the same key, by `privacy.link_to` (the same blocking rules, weights and
threshold as the privacy bench). Each row comes back as a match (child id), a possible match
(the candidate, for a person to review), no match, or refused: rows read = matched + possible
+ no match + refused. One audit entry per run, refused files included.

The key is a file outside the database (`--key-file`, else the setting or environment variable
`SATUANAK_LINKAGE_KEY_FILE`): its bytes, without trailing line ends, at least `MIN_KEY_BYTES`.
It is never logged or written anywhere; files carry only its id (`privacy.key_id`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from config.env import env_str
from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.core.sources import Source
from satuanak.imports.readers import ROW, RawTable, ReadError, read_table
from satuanak.linkage import privacy
from satuanak.linkage.records import RECORD_SPECS
from satuanak.persons.models import Child
from satuanak.sources import ADAPTERS, HeaderError, Kind, SourceAdapter, ValidationResult, guess_adapter
from satuanak.sources.base import normalise_header
from satuanak.sources.reference import ReferenceData

KEY_FILE_SETTING = "SATUANAK_LINKAGE_KEY_FILE"
MIN_KEY_BYTES = 32

# The encoded file, in this order, then the agency's kept payload columns.
# The file's columns: who and how it was encoded, the encodings themselves (privacy.py), and why a
# row was refused. The positions matter: the encodings start at index 3.
WIRE_COLUMNS = ("row_ref", "key_id", "scheme", *privacy.ENCODED_COLUMNS, "refused")
_REQUIRED = (
    "row_ref",
    "key_id",
    "nik_hmac",
    "name_hmacs",
    "name_bloom",
    "dob_hmac",
    "dob_ym_hmac",
    "dob_year_hmac",
    "sex",
    "desa",
)
_TOKENS = ("nik_hmac", "dob_hmac", "dob_ym_hmac", "dob_year_hmac")
_BLOOMS = ("name_bloom", "mother_bloom")
# The identity fields a linkage record has (records.RECORD_SPECS) that the encoding takes.
_IDENTITY = ("nik", "name", "mother_name", "dob", "sex", "desa")
# Header words that name a person or a document of one: never kept as payload in clear.
_IDENTIFYING_WORDS = (
    "nama",
    "name",
    "nik",
    "nokk",
    "nkk",
    "kartukeluarga",
    "alamat",
    "address",
    "lahir",
    "birth",
    "telp",
    "telepon",
    "phone",
    "nisn",
    "akta",
)
_IDENTIFYING_KINDS = (Kind.NIK, Kind.KK, Kind.NISN)

CLASSES = ("match", "possible", "no_match", "refused")


class EncodedError(Exception):
    """A key or a file refused as a whole. `message` is bilingual, names no value, safe to print."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- the key ----------------------------------------------------------------------------------


def linkage_key_path(option: Path | None) -> Path:
    """--key-file, else the setting of that name, else the environment variable."""
    if option is not None:
        return option
    configured = getattr(settings, KEY_FILE_SETTING, "") or env_str(KEY_FILE_SETTING, "")
    if not configured:
        raise EncodedError(
            "no_key",
            f"Tidak ada kunci: berikan --key-file atau {KEY_FILE_SETTING} / "
            f"no key: give --key-file or set {KEY_FILE_SETTING}",
        )
    return Path(configured)


def linkage_key_read(path: Path) -> bytes:
    """The key: the file's bytes without trailing line ends (an editor's newline does not change
    it), at least `MIN_KEY_BYTES`. Errors name the path, never the content."""
    try:
        key = path.read_bytes().rstrip(b"\r\n")
    except FileNotFoundError:
        raise EncodedError("no_key", f"Berkas kunci tidak ditemukan / key file not found: {path}") from None
    except OSError as exc:
        raise EncodedError(
            "no_key", f"Berkas kunci tidak dapat dibaca / cannot read the key file: {path} ({exc.strerror})"
        ) from None
    if len(key) < MIN_KEY_BYTES:
        raise EncodedError(
            "short_key",
            f"Kunci terlalu pendek ({len(key)} bita; minimal {MIN_KEY_BYTES}) / key too short "
            f"({len(key)} bytes; at least {MIN_KEY_BYTES}): {path}. Buat dengan / make one with "
            "`satuanak privacy new-key PATH`",
        )
    return key


def linkage_key_readable_by_others(path: Path) -> bool:
    """Whether the key file's permissions let users other than its owner read it (POSIX)."""
    try:
        return os.name == "posix" and bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


def linkage_key_new(path: Path) -> str:
    """Write a new random key (48 random bytes as one line of base64, 0600), never over an
    existing file; returns its id. Base64 text survives e-mail and USB sticks unchanged."""
    text = base64.b64encode(secrets.token_bytes(48)) + b"\n"
    try:
        # O_EXCL: the agencies may already hold files encoded with the existing key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise EncodedError(
            "key_exists", f"Berkas kunci sudah ada, tidak ditimpa / key file exists, not overwritten: {path}"
        ) from None
    except OSError as exc:
        raise EncodedError(
            "no_key", f"Berkas kunci tidak dapat ditulis / cannot write the key file: {path} ({exc.strerror})"
        ) from None
    with os.fdopen(fd, "wb") as f:
        f.write(text)
    return privacy.key_id(text.rstrip(b"\r\n"))


# --- the agency's side: encode an export ------------------------------------------------------


@dataclass(frozen=True)
class EncodeSummary:
    rows: int
    encoded: int
    refused: int
    adapter: str
    header_row: int
    sheet: str | None
    key_id: str
    out: Path
    kept: tuple[str, ...]
    seconds: float
    refused_by_code: dict[str, int] = field(default_factory=dict)


def _best_header_score(cells: Sequence[str]) -> int:
    return max(a.header_score(cells) for a in ADAPTERS.values())


def _adapter_for(fmt: str | None, headers: Sequence[str]) -> SourceAdapter:
    if fmt is not None:
        if fmt not in ADAPTERS:
            raise EncodedError(
                "unknown_format",
                f"Format tidak dikenal / unknown format: {fmt} (pilihan / choices: {', '.join(ADAPTERS)})",
            )
        return ADAPTERS[fmt]
    adapter = guess_adapter(headers)
    if adapter is None:
        raise EncodedError(
            "unknown_format",
            "Kolom berkas tidak cocok dengan format sumber mana pun; sebutkan --format / the file's "
            f"columns fit no source format; give --format ({', '.join(ADAPTERS)})",
        )
    return adapter


def _identifying_fields(adapter: SourceAdapter) -> set[str]:
    spec = RECORD_SPECS[adapter.name].fields
    out = {c for f, c in spec.items() if f not in ("sex", "desa")}
    out |= {c.field for c in adapter.columns if c.kind in _IDENTIFYING_KINDS}
    out |= {
        c.field for c in adapter.columns if any(w in c.field for w in ("name", "nik", "birth", "address"))
    }
    return out


def _kept_columns(adapter: SourceAdapter, headers: Sequence[str], keep: Sequence[str]) -> list[str]:
    """The headers (as written) of the payload columns to pass on: by header or by the adapter's
    field name. Refused: unknown columns, identifying ones, names the wire format uses."""
    match = adapter.match_headers(headers)
    by_field = match.fields  # field -> header
    field_of = match.headers  # header -> field
    by_norm = {normalise_header(h): h for h in headers if h != ROW}
    identifying = _identifying_fields(adapter)
    out: list[str] = []
    for wanted in keep:
        header = by_norm.get(normalise_header(wanted)) or by_field.get(wanted.strip())
        if header is None:
            raise EncodedError(
                "keep_unknown",
                f"Kolom --keep '{wanted}' tidak ada di berkas / --keep column '{wanted}' is not in the file",
            )
        f = field_of.get(header)
        norm = normalise_header(header)
        if (f is not None and f in identifying) or any(w in norm for w in _IDENTIFYING_WORDS):
            raise EncodedError(
                "keep_identifying",
                f"Kolom '{header}' mengenali orang dan tidak boleh dikirim terbuka / column '{header}' "
                "identifies a person and may not be sent in clear",
            )
        if header in WIRE_COLUMNS:
            raise EncodedError(
                "keep_clash",
                f"Kolom '{header}' bernama sama dengan kolom berkas terenkode; ganti namanya / column "
                f"'{header}' has the name of an encoded-file column; rename it",
            )
        if header not in out:
            out.append(header)
    return out


@dataclass(frozen=True)
class ExportRows:
    """An agency's clear export as an import reads it. `identities`: the accepted rows' ROW and
    identity fields (nik, name, mother_name, dob as ISO text, sex, desa code), the rows the
    encoding encodes; `kept`: the payload headers to pass on."""

    raw: RawTable
    adapter: SourceAdapter
    result: ValidationResult
    identities: pl.DataFrame
    kept: tuple[str, ...]


def export_read(
    *,
    path: Path,
    fmt: str | None = None,
    sheet: str | None = None,
    keep: Sequence[str] = (),
    today: date,
    data_dir: Path | None = None,
) -> ExportRows:
    """Read and validate an agency's clear export as an import would. Raises `EncodedError`
    when the file cannot be read, fits no format, or its format holds no child's identity."""
    try:
        # The adapter's own header scorer when the format is given (title rows above the header
        # are skipped as imports skip them); otherwise the best of all formats.
        score = ADAPTERS[fmt].header_score if fmt in ADAPTERS else _best_header_score
        raw = read_table(path, header_score=score, sheet=sheet)
    except ReadError as exc:
        raise EncodedError(exc.code, exc.message) from None
    headers = [c for c in raw.frame.columns if c != ROW]
    adapter = _adapter_for(fmt, headers)
    if adapter.name not in RECORD_SPECS:
        raise EncodedError(
            "not_children",
            f"Format {adapter.title_short} tidak memuat identitas anak / the {adapter.title_short} "
            "format holds no child's identity",
        )
    kept = _kept_columns(adapter, headers, keep)
    ref = ReferenceData.from_data_dir(data_dir or Path(settings.SATUANAK_DATA_DIR))
    try:
        result = adapter.validate(raw.frame, ref=ref, today=today)
    except HeaderError as exc:
        raise EncodedError(exc.code, exc.message) from None
    spec = RECORD_SPECS[adapter.name].fields
    accepted = result.accepted
    identities = accepted.select(
        pl.col(ROW),
        *[
            (pl.col(spec[f]) if f in spec and spec[f] in accepted.columns else pl.lit(None)).alias(f)
            for f in _IDENTITY
        ],
    ).with_columns(pl.col("dob").cast(pl.String))
    return ExportRows(raw=raw, adapter=adapter, result=result, identities=identities, kept=tuple(kept))


def encoded_file_write(
    *,
    path: Path,
    out: Path,
    key: bytes,
    key_label: str | None = None,
    keep: Sequence[str] = (),
    fmt: str | None = None,
    sheet: str | None = None,
    today: date,
    data_dir: Path | None = None,
) -> EncodeSummary:
    """Encode an agency's clear export into `out` (see the module docstring). Raises
    `EncodedError` as `export_read` does."""
    t0 = time.perf_counter()
    if path.resolve() == out.resolve():
        raise EncodedError(
            "same_file", "Berkas keluaran sama dengan masukan / the output file is the input file"
        )
    export = export_read(path=path, fmt=fmt, sheet=sheet, keep=keep, today=today, data_dir=data_dir)
    raw, adapter, result, kept = export.raw, export.adapter, export.result, list(export.kept)
    encoded = privacy.encode_frame(export.identities, key, keep=(ROW,)).with_columns(
        pl.col("name_hmacs").list.join(" ").replace("", None)
    )
    kid = privacy.key_id(key, key_label)
    # Reasons of refused rows: the column as written and the check's code (the import's), never
    # the value (it may be the very NIK or name the encoding hides).
    reasons = (
        result.errors.select(
            pl.col(ROW),
            pl.when(pl.col("column").fill_null("") == "")
            .then(pl.col("code"))
            .otherwise(pl.col("column") + pl.lit(":") + pl.col("code"))
            .alias("reason"),
        )
        .unique(maintain_order=True)
        .group_by(ROW, maintain_order=True)
        .agg(pl.col("reason").str.join("; ").alias("refused"))
    )
    refused_rows = result.rejected.select(ROW)
    frame = (
        raw.frame.select(ROW, *kept)
        .join(encoded, on=ROW, how="left", maintain_order="left")
        .join(reasons, on=ROW, how="left", maintain_order="left")
        .with_columns(
            refused=pl.when(pl.col(ROW).is_in(refused_rows[ROW].implode()))
            .then(pl.col("refused").fill_null("refused"))
            .otherwise(None)
        )
    )
    wire = frame.select(
        pl.col(ROW).cast(pl.String).alias("row_ref"),
        pl.lit(kid).alias("key_id"),
        pl.lit(privacy.VERSION).alias("scheme"),
        *[pl.col(c) for c in WIRE_COLUMNS[3:]],
        *[pl.col(c) for c in kept],
    )
    tmp = out.with_name(out.name + ".tmp")
    wire.write_csv(tmp)
    tmp.replace(out)
    n_refused = int(wire["refused"].is_not_null().sum())
    by_code = (
        result.errors.filter(pl.col(ROW).is_in(refused_rows[ROW].implode()))
        .unique([ROW, "code"])
        .group_by("code")
        .len()
        .sort("len", descending=True)
    )
    return EncodeSummary(
        rows=raw.frame.height,
        encoded=raw.frame.height - n_refused,
        refused=n_refused,
        adapter=adapter.name,
        header_row=raw.header_row,
        sheet=raw.sheet,
        key_id=kid,
        out=out,
        kept=tuple(kept),
        seconds=round(time.perf_counter() - t0, 3),
        refused_by_code=dict(zip(by_code["code"].to_list(), by_code["len"].to_list(), strict=True)),
    )


# --- the platform's side: read an encoded file ------------------------------------------------


@dataclass(frozen=True)
class EncodedFile:
    """An agency's encoded file as read: `frame` has one row per data row, in order, with
    row_ref, __row, reason_code and reason (null when the row can be linked), the privacy
    columns (`privacy.ENCODED_COLUMNS`, name_hmacs as a list) and the kept payload columns."""

    frame: pl.DataFrame
    kept: tuple[str, ...]
    key_id: str

    @property
    def rows(self) -> int:
        return self.frame.height


def _wire_score(cells: Sequence[str]) -> int:
    wanted = {normalise_header(c) for c in WIRE_COLUMNS}
    return sum(1 for c in cells if normalise_header(c) in wanted)


_HEX64 = r"^[0-9a-f]{64}$"
_HEX64_LIST = r"^[0-9a-f]{64}(?: [0-9a-f]{64})*$"
_DESA = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"


def _bloom_canonical(values: pl.Series) -> pl.Series:
    """Each well-formed Bloom filter (base64 of exactly `privacy.BLOOM_BYTES` bytes) in canonical
    base64; "" for a malformed one, null for none. Each distinct value is decoded once."""
    mapping: dict[str, str] = {}
    for v in values.drop_nulls().unique().to_list():
        try:
            raw = base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        mapping[v] = base64.b64encode(raw).decode("ascii") if len(raw) == privacy.BLOOM_BYTES else ""
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def _check(cond: pl.Expr, code: str, message: str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    msg = pl.lit(message) if isinstance(message, str) else message
    return pl.when(cond).then(pl.lit(code)), pl.when(cond).then(msg)


def encoded_file_read(*, path: Path, key: bytes, key_label: str | None = None) -> EncodedFile:
    """Read and check an encoded file against `key` (see the module docstring)."""
    try:
        raw = read_table(path, header_score=_wire_score)
    except ReadError as exc:
        raise EncodedError(exc.code, exc.message) from None
    rename: dict[str, str] = {}
    for h in raw.frame.columns:
        for w in WIRE_COLUMNS:
            if h != ROW and normalise_header(h) == normalise_header(w) and w not in rename.values():
                rename[h] = w
    frame = raw.frame.rename(rename)
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise EncodedError(
            "not_encoded",
            f"Bukan berkas terenkode satuanak: kolom {', '.join(missing)} tidak ada / not a satuanak "
            f"encoded file: columns {', '.join(missing)} missing (buat dengan / make it with "
            "`satuanak privacy encode`)",
        )
    kept = tuple(c for c in frame.columns if c != ROW and c not in WIRE_COLUMNS)
    for c in WIRE_COLUMNS:
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c))

    schemes = set(frame["scheme"].drop_nulls().unique().to_list())
    if schemes - {privacy.VERSION}:
        other = ", ".join(sorted(schemes - {privacy.VERSION}))
        raise EncodedError(
            "scheme",
            f"Berkas dienkode dengan skema {other}, platform memakai {privacy.VERSION} / the file was "
            f"encoded with scheme {other}; the platform uses {privacy.VERSION}",
        )
    expected = privacy.key_id(key, key_label)
    fingerprint = privacy.key_fingerprint(key)
    for value in sorted(frame["key_id"].drop_nulls().unique().to_list()):
        label, fp = privacy.key_id_parts(value)
        if fp != fingerprint or (key_label is not None and label != key_label.strip()):
            raise EncodedError(
                "key_mismatch",
                f"Berkas dienkode dengan kunci '{value}', bukan kunci yang diberikan ('{expected}'): "
                "tokennya tidak dapat dibandingkan; minta instansi mengode ulang dengan kunci yang "
                f"berlaku / the file was encoded with key '{value}', not the key given ('{expected}'): "
                "its tokens cannot be compared; ask the agency to encode again with the current key",
            )

    text = [pl.col(c).str.strip_chars().replace("", None) for c in WIRE_COLUMNS]
    frame = frame.with_columns(text).with_columns(
        *[pl.col(c).str.to_lowercase() for c in _TOKENS],
        pl.col("name_hmacs").str.to_lowercase().str.replace_all(r"[\s;,]+", " "),
        pl.col("sex").str.to_uppercase(),
        *[_bloom_canonical(frame[c].str.strip_chars().replace("", None)).alias(c) for c in _BLOOMS],
    )
    ref = pl.col("row_ref")
    checks = [
        _check(
            pl.col("refused").is_not_null(),
            "agency_refused",
            pl.lit("ditolak saat dikode oleh instansi / refused when the agency encoded it: ")
            + pl.col("refused"),
        ),
        _check(ref.is_null(), "no_row_ref", "tanpa row_ref / no row_ref"),
        _check(
            ref.is_not_null() & ref.is_duplicated(),
            "duplicate_row_ref",
            "row_ref muncul lebih dari sekali / row_ref appears more than once",
        ),
        _check(pl.col("key_id").is_null(), "no_key_id", "tanpa id kunci / no key id"),
        *[
            _check(
                pl.col(c).is_not_null() & ~pl.col(c).str.contains(_HEX64),
                f"bad_{c}",
                f"{c} bukan HMAC-SHA256 heksadesimal (64 karakter) / {c} is not a hex HMAC-SHA256 "
                "(64 characters)",
            )
            for c in _TOKENS
        ],
        _check(
            pl.col("name_hmacs").is_not_null() & ~pl.col("name_hmacs").str.contains(_HEX64_LIST),
            "bad_name_hmacs",
            "name_hmacs bukan daftar HMAC-SHA256 heksadesimal / name_hmacs is not a list of hex HMAC-SHA256",
        ),
        *[
            _check(
                pl.col(c) == "",
                f"bad_{c}",
                f"{c} bukan filter Bloom {privacy.BLOOM_BITS} bit dalam base64 / {c} is not a "
                f"{privacy.BLOOM_BITS}-bit Bloom filter in base64",
            )
            for c in _BLOOMS
        ],
        _check(
            pl.col("sex").is_not_null() & ~pl.col("sex").is_in(["L", "P"]),
            "bad_sex",
            "jenis kelamin harus L atau P / sex must be L or P",
        ),
        _check(
            pl.col("desa").is_not_null() & ~pl.col("desa").str.contains(_DESA),
            "bad_desa",
            "kode desa harus seperti 61.07.01.2001 / the desa code must look like 61.07.01.2001",
        ),
        _check(
            pl.col("refused").is_null()
            & pl.col("nik_hmac").is_null()
            & pl.col("dob_hmac").is_null()
            & pl.col("name_bloom").is_null(),
            "no_identity",
            "tanpa NIK, tanggal lahir dan nama: tidak ada yang dapat ditautkan / no NIK, birth date "
            "or name: nothing to link on",
        ),
    ]
    frame = frame.with_columns(
        reason_code=pl.concat_list([c for c, _ in checks]).list.drop_nulls().list.join(";").replace("", None),
        reason=pl.concat_list([m for _, m in checks]).list.drop_nulls().list.join("; ").replace("", None),
    ).with_columns(
        name_hmacs=pl.when(pl.col("reason_code").is_null())
        .then(pl.col("name_hmacs").str.split(" "))
        .otherwise(None)
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    return EncodedFile(frame=frame, kept=kept, key_id=expected)


# --- the platform's side: link ----------------------------------------------------------------


def golden_children() -> pl.DataFrame:
    """The golden children as the encoding needs them: child_id, nik, name, mother_name, dob,
    sex, desa (Kemendagri code); empty text as null."""
    rows = Child.objects.values_list("id", "nik", "name", "mother_name", "birth_date", "sex", "desa__code")
    schema = {
        "child_id": pl.Int64,
        "nik": pl.String,
        "name": pl.String,
        "mother_name": pl.String,
        "dob": pl.Date,
        "sex": pl.String,
        "desa": pl.String,
    }
    frame = pl.DataFrame(list(rows.iterator(chunk_size=20_000)), schema=schema, orient="row")
    text = [c for c, t in schema.items() if t == pl.String]
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in text)


def golden_encode(golden: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """The golden records encoded as an agency would encode them (row i = golden row i)."""
    return privacy.encode_frame(golden.with_columns(pl.col("dob").cast(pl.String)), key, keep=())


def encoded_rows_link(
    *, encoded: EncodedFile, golden: pl.DataFrame, key: bytes, golden_encoded: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One result row per encoded row, in the file's order: row_ref, child_id, score, class
    ("match" / "possible" / "no_match" / "refused"), reason_code, reason, then the kept payload.
    child_id is the match, or the candidate of a possible match; score the best candidate's
    total weight (null without one). `golden_encoded`: `golden_encode(golden, key)` when the
    caller links several files (encoded once)."""
    frame = encoded.frame
    ok = frame.with_row_index("__i").filter(pl.col("reason_code").is_null())
    right = golden_encode(golden, key) if golden_encoded is None else golden_encoded
    decided = privacy.link_to(ok.select(privacy.ENCODED_COLUMNS), right, "hashed")
    ids = golden.select(pl.col("child_id")).with_row_index("r").with_columns(pl.col("r").cast(pl.Int64))
    decided = (
        decided.join(ids, on="r", how="left", maintain_order="left")
        .with_columns(__i=ok["__i"])
        .select("__i", "child_id", pl.col("weight").round(2).alias("score"), pl.col("decision"))
    )
    return (
        frame.with_row_index("__i")
        .join(decided, on="__i", how="left", maintain_order="left")
        .select(
            "row_ref",
            "child_id",
            "score",
            pl.col("decision").fill_null("refused").alias("class"),
            "reason_code",
            "reason",
            *encoded.kept,
        )
    )


@dataclass(frozen=True)
class LinkSummary:
    rows: int
    matched: int
    possible: int
    unmatched: int
    refused: int
    children: int
    key_id: str
    out: Path
    seconds: float
    refused_by_code: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "matched": self.matched,
            "possible": self.possible,
            "unmatched": self.unmatched,
            "refused": self.refused,
            "children": self.children,
            "seconds": self.seconds,
        }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def encoded_file_link(
    *,
    path: Path,
    key: bytes,
    source: Source,
    out: Path,
    key_label: str | None = None,
    actor: Any = None,
) -> LinkSummary:
    """Link an agency's encoded file to the golden children and write the result CSV to `out`.
    Raises `EncodedError` for a file refused as a whole (after auditing the refusal)."""
    t0 = time.perf_counter()
    if not path.is_file():
        raise EncodedError("not_found", f"Berkas tidak ditemukan / file not found: {path}")
    digest = _sha256(path)
    audit = {"kind": "encoded", "source": source.value, "file": path.name, "sha256": digest}
    try:
        if path.resolve() == out.resolve():
            raise EncodedError(
                "same_file", "Berkas hasil sama dengan masukan / the result file is the input file"
            )
        encoded = encoded_file_read(path=path, key=key, key_label=key_label)
    except EncodedError as exc:
        audit_record(
            action=AuditAction.LINKAGE_RUN,
            actor=actor,
            subject_type="encoded_file",
            subject_id=digest,
            detail={**audit, "status": "refused", "reason": exc.code},
        )
        raise
    golden = golden_children()
    result = encoded_rows_link(encoded=encoded, golden=golden, key=key)
    tmp = out.with_name(out.name + ".tmp")
    result.write_csv(tmp)
    tmp.replace(out)

    counts = dict(result.group_by("class").len().iter_rows())
    codes = (
        result.select(pl.col("reason_code").drop_nulls().str.split(";").explode())
        .group_by("reason_code")
        .len()
        .sort("len", descending=True)
    )
    summary = LinkSummary(
        rows=encoded.rows,
        matched=counts.get("match", 0),
        possible=counts.get("possible", 0),
        unmatched=counts.get("no_match", 0),
        refused=counts.get("refused", 0),
        children=golden.height,
        key_id=encoded.key_id,
        out=out,
        seconds=round(time.perf_counter() - t0, 3),
        refused_by_code=dict(zip(codes["reason_code"].to_list(), codes["len"].to_list(), strict=True)),
    )
    if summary.matched + summary.possible + summary.unmatched + summary.refused != summary.rows:
        raise AssertionError("encoded linkage lost rows")  # pragma: no cover - by construction
    audit_record(
        action=AuditAction.LINKAGE_RUN,
        actor=actor,
        subject_type="encoded_file",
        subject_id=digest,
        detail={**audit, "status": "done", "key_id": encoded.key_id, **summary.as_dict()},
    )
    return summary
