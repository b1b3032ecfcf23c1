"""Privacy-preserving matching: keyed hashes and Bloom-filter encodings of identity fields.

For an agency that may not hand over names and NIKs in clear (UU 27/2022 on personal data
protection: data minimisation), it sends per child record, computed on its own machine with a
secret key shared only between the agencies and the platform:

- **NIK** -> HMAC-SHA256 of its digits (equality only: a mistyped NIK no longer looks "close").
- **Name** -> one HMAC per name word (after the platform's own normalisation, `names.py`, so
  "Muhammad" / "MUHAMMAD " / "M." give one token), plus a Bloom-filter encoding of the whole
  normalised name (a cryptographic long-term key, CLK, after Schnell et al. 2009): the bigrams
  of " name " each set `BLOOM_HASHES` bits of a `BLOOM_BITS`-bit array, the bit positions drawn
  by HMAC with the key (one independent HMAC per hash function, not double hashing, which has
  a known attack). Two encodings are compared by the Dice coefficient of their bits, which
  tracks the bigram similarity of the names without revealing them. Serialised as base64.
- **Mother's name** -> the same Bloom-filter encoding (it separates siblings and twins).
- **Birth date** -> HMAC of the ISO date, of its year-month and of its year, so partial
  agreement (same month, same year) can still be scored and blocked on.
- **Sex and desa code stay in clear**: neither identifies a child alone (half the children
  share a sex, a desa holds hundreds), the desa is needed for blocking and for the district's
  own aggregates, and hashing a field with two values would hide nothing anyway.

Each field has its own key, derived from the shared secret (`derive_key`), so a name token can
never be compared with a mother's or a date token. The platform never needs the clear values:
linkage on the encoded frame (`candidate_pairs`, `compare`, `link`) uses only equality of
tokens and Dice of Bloom filters. `clear_frame` builds the same frame with the clear values in
place of the tokens, so the clear-text and the encoded linkage differ only by the encoding
(`bench/privacy_linkage.py` measures the accuracy cost).

The same rule links an agency's encoded rows to the platform's golden children (`link_to`:
the blocking rules across the two frames, `compare`, then `decide` picks each row's child:
"match" at `LINK_AT`, "possible" from `POSSIBLE_AT`, "no_match" below). `linkage/encoded.py`
reads the agency's file and the children; this module stays pure.

Pure: Polars and NumPy in, frames out (DuckDB only for clear-text Jaro-Winkler); no Django.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import duckdb
import numpy as np
import polars as pl

from satuanak.linkage.names import name_norm_expr, unnamed_baby_expr

VERSION = "pprl-v1"
BLOOM_BITS = 1024  # 128 bytes: whole 64-bit words for the popcounts
BLOOM_HASHES = 20  # bits set per bigram (k)
BLOOM_BYTES = BLOOM_BITS // 8

Kind = Literal["nik", "name", "name_part", "dob", "dob_ym", "dob_year", "text"]
Method = Literal["clear", "clear_bigram", "hashed"]

ENCODED_COLUMNS = (
    "nik_hmac",
    "name_hmacs",
    "name_bloom",
    "mother_bloom",
    "dob_hmac",
    "dob_ym_hmac",
    "dob_year_hmac",
    "sex",
    "desa",
)


# --- keys and tokens ------------------------------------------------------------------------


def derive_key(key: bytes, domain: str) -> bytes:
    """The key of one field (domain separation): tokens of two fields never compare equal."""
    return hmac.new(key, f"satuanak:{VERSION}:{domain}".encode(), hashlib.sha256).digest()


def key_fingerprint(key: bytes) -> str:
    """A short public name of a key (16 hex digits of an HMAC of a constant under it): two parties
    can check they hold the same key without showing it; it reveals nothing about the key."""
    return hmac.new(derive_key(key, "key-id"), b"", hashlib.sha256).hexdigest()[:16]


def key_id(key: bytes, label: str | None = None) -> str:
    """What an encoded file names its key by: the fingerprint, after the operators' label when
    there is one ("bkl-2025/3f9a..."), so a file encoded with another key is refused rather than
    silently matching nothing."""
    fp = key_fingerprint(key)
    return f"{label.strip()}/{fp}" if label and label.strip() else fp


def key_id_parts(value: str) -> tuple[str | None, str]:
    """(label or None, fingerprint) of a key id written by `key_id`."""
    label, _, fp = value.strip().rpartition("/")
    return (label or None), fp


def normalise_nik(value: str | None) -> str | None:
    """The NIK's digits only (None when none)."""
    if value is None:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits or None


def normalise_name(value: str | None) -> str | None:
    """The platform's comparable spelling of a name (`names.name_norm_expr`)."""
    if value is None:
        return None
    out = pl.select(name_norm_expr(pl.lit(value, dtype=pl.String))).item()
    return str(out) if out is not None else None


def _normalise(value: str | date | None, kind: Kind) -> str | None:
    if value is None:
        return None
    if kind == "nik":
        return normalise_nik(str(value))
    if kind in ("name", "name_part"):
        return normalise_name(str(value))
    if kind in ("dob", "dob_ym", "dob_year"):
        iso = value.isoformat() if isinstance(value, date) else str(value).strip()
        return {"dob": iso[:10], "dob_ym": iso[:7], "dob_year": iso[:4]}[kind] or None
    return str(value).strip() or None


def _mac(value: str, field_key: bytes) -> str:
    return hmac.new(field_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_token(value: str | date | None, key: bytes, *, kind: Kind = "text") -> str | None:
    """HMAC-SHA256 (hex) of the normalised `value` under the field key of `kind`; None when the
    value is empty. nik: digits only; name / name_part: `names.py` normalisation; dob: the
    ISO date (dob_ym: its year-month, dob_year: its year); text: stripped."""
    norm = _normalise(value, kind)
    return None if norm is None else _mac(norm, derive_key(key, kind))


def _hmac_series(values: pl.Series, key: bytes, kind: Kind) -> pl.Series:
    """HMAC of an already-normalised column: each distinct value hashed once, mapped back."""
    field_key = derive_key(key, kind)
    distinct = values.drop_nulls().unique()
    tokens = pl.Series([_mac(v, field_key) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, tokens, default=None, return_dtype=pl.String)


# --- Bloom filters ---------------------------------------------------------------------------


def bigrams(norm: str) -> set[str]:
    """The bigrams a name's Bloom filter encodes (of " name ", so first and last letters count)."""
    padded = f" {norm} "
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def bigram_positions(grams: Sequence[str], key: bytes) -> dict[str, list[int]]:
    """The `BLOOM_HASHES` bit positions of each bigram: HMAC(key_i, bigram) mod BLOOM_BITS for
    i = 0..k-1 (independent keyed hash functions)."""
    keys = [derive_key(key, f"bloom:{i}") for i in range(BLOOM_HASHES)]
    return {
        g: [
            int.from_bytes(hmac.new(k, g.encode("utf-8"), hashlib.sha256).digest()[:8], "big") % BLOOM_BITS
            for k in keys
        ]
        for g in grams
    }


def _bigram_frame(norm: pl.Series) -> pl.DataFrame:
    """(row, bigram) for every bigram of every non-null value: Polars, no Python loop per row."""
    padded = (pl.lit(" ") + pl.col("norm") + pl.lit(" ")).alias("padded")
    return (
        pl.DataFrame({"norm": norm})
        .with_row_index("row")
        .filter(pl.col("norm").is_not_null())
        .with_columns(padded)
        .with_columns(i=pl.int_ranges(0, pl.col("padded").str.len_chars() - 1))
        .explode("i")
        .select("row", pl.col("padded").str.slice(pl.col("i"), 2).alias("bigram"))
        .unique()
    )


def _bits_from_positions(n: int, rows: np.ndarray, pos: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Packed (n, BLOOM_BYTES) uint8 bit arrays with bit `pos` of row `rows` set; `rows` sorted."""
    out = np.zeros((n, BLOOM_BYTES), dtype=np.uint8)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        lo, hi = np.searchsorted(rows, [start, stop])
        bits = np.zeros((stop - start, BLOOM_BITS), dtype=bool)
        bits[rows[lo:hi] - start, pos[lo:hi]] = True
        out[start:stop] = np.packbits(bits, axis=1)
    return out


def bloom_matrix(norm: pl.Series, key: bytes | None) -> np.ndarray:
    """Bloom filters of normalised names, packed (n, BLOOM_BYTES) uint8 (a null name: all
    zeros). Each distinct name is encoded once. key=None: the clear-text reference encoding,
    one bit per distinct bigram (no hashing, no collisions), whose Dice is exactly the names'
    bigram Dice."""
    names = norm.drop_nulls().unique().sort()
    grams = _bigram_frame(names)
    distinct = grams["bigram"].unique().sort().to_list()
    if key is None:
        if len(distinct) > BLOOM_BITS:
            raise ValueError("more distinct bigrams than bits: the exact encoding does not fit")
        table = pl.DataFrame(
            {"bigram": distinct, "pos": list(range(len(distinct)))},
            schema={"bigram": pl.String, "pos": pl.Int64},
        )
    else:
        positions = bigram_positions(distinct, key)
        table = pl.DataFrame(
            {"bigram": list(positions), "pos": list(positions.values())},
            schema={"bigram": pl.String, "pos": pl.List(pl.Int64)},
        ).explode("pos")
    hits = grams.join(table, on="bigram").select(pl.col("row").cast(pl.Int64), "pos").sort("row")
    per_name = _bits_from_positions(names.len(), hits["row"].to_numpy(), hits["pos"].to_numpy())
    # row -> its name's index (the null name: an extra all-zero row at the end)
    index = norm.replace_strict(names, pl.int_range(names.len(), eager=True), default=names.len())
    return np.vstack([per_name, np.zeros((1, BLOOM_BYTES), dtype=np.uint8)])[index.to_numpy()]


def bloom_to_base64(matrix: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """The wire form of packed Bloom filters: one base64 string per row (null where not valid)."""
    ok = np.ones(len(matrix), dtype=bool) if valid is None else valid
    raw = pl.Series(
        [row.tobytes() if v else None for row, v in zip(matrix, ok, strict=True)], dtype=pl.Binary
    )
    return raw.bin.encode("base64")


def bloom_from_base64(values: pl.Series) -> np.ndarray:
    """Packed (n, BLOOM_BYTES) uint8 from base64 strings (a null: all zeros)."""
    raw = values.str.decode("base64").fill_null(bytes(BLOOM_BYTES))
    buf = b"".join(raw.to_list())
    if len(buf) != raw.len() * BLOOM_BYTES:
        raise ValueError(f"a Bloom filter is not {BLOOM_BITS} bits")
    return np.frombuffer(buf, dtype=np.uint8).reshape(raw.len(), BLOOM_BYTES)


def dice(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Dice coefficient 2|A∩B| / (|A|+|B|) of packed bit arrays (NaN when both empty)."""
    inter = np.bitwise_count(a & b).sum(axis=1, dtype=np.int64)
    total = np.bitwise_count(a).sum(axis=1, dtype=np.int64) + np.bitwise_count(b).sum(axis=1, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2.0 * inter / np.maximum(total, 1), np.nan)


def dice_pairs(matrix: np.ndarray, left: np.ndarray, right: np.ndarray, chunk: int = 500_000) -> np.ndarray:
    """Dice of rows left[i] and right[i] of one packed matrix, in chunks (bounded memory). A
    pair where either filter is empty (no name) gets NaN."""
    words = np.ascontiguousarray(matrix).view(np.uint64)  # (n, BLOOM_BITS / 64)
    counts = np.bitwise_count(words).sum(axis=1, dtype=np.int64)
    out = np.empty(len(left), dtype=np.float64)
    for s in range(0, len(left), chunk):
        li, ri = left[s : s + chunk], right[s : s + chunk]
        inter = np.bitwise_count(words[li] & words[ri]).sum(axis=1, dtype=np.int64)
        cl, cr = counts[li], counts[ri]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[s : s + chunk] = np.where((cl > 0) & (cr > 0), 2.0 * inter / (cl + cr), np.nan)
    return out


# --- encoding a frame -----------------------------------------------------------------------


def _normalised(df: pl.DataFrame) -> pl.DataFrame:
    """The normalised clear values: the same for the encoded and the clear-text frame."""
    cols = set(df.columns)

    def col(name: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(name).cast(dtype) if name in cols else pl.lit(None, dtype=dtype)

    dob = col("dob", pl.String()).str.slice(0, 10)
    name = col("name", pl.String())
    baby = unnamed_baby_expr(name).fill_null(False)
    return df.select(
        nik=col("nik", pl.String()).str.replace_all(r"\D", "").replace("", None),
        # "By. Ny. Siti" names the mother, not the child: no name (as records.py)
        name=pl.when(baby).then(None).otherwise(name_norm_expr(name)),
        mother=name_norm_expr(col("mother_name", pl.String())),
        dob=dob,
        dob_ym=dob.str.slice(0, 7),
        dob_year=dob.str.slice(0, 4),
        sex=col("sex", pl.String()),
        desa=col("desa", pl.String()),
    )


def encode_frame(
    df: pl.DataFrame, key: bytes, *, keep: Sequence[str] = ("record_id", "source")
) -> pl.DataFrame:
    """What an agency sends: `keep` columns (its own record ids), then `ENCODED_COLUMNS`.

    df: nik, name, mother_name, dob (Date or ISO string), sex, desa (any may be missing)."""
    norm = _normalised(df)
    parts = norm.select(
        pl.int_range(pl.len()).alias("row"), pl.col("name").str.split(" ").alias("part")
    ).explode("part")
    parts = parts.with_columns(part=_hmac_series(parts["part"], key, "name_part"))
    name_hmacs = parts.group_by("row", maintain_order=True).agg(pl.col("part").drop_nulls())["part"]
    name_bloom = bloom_matrix(norm["name"], key)
    mother_bloom = bloom_matrix(norm["mother"], key)
    return pl.DataFrame(
        [
            *[df[c] for c in keep if c in df.columns],
            _hmac_series(norm["nik"], key, "nik").alias("nik_hmac"),
            name_hmacs.alias("name_hmacs"),
            bloom_to_base64(name_bloom, norm["name"].is_not_null().to_numpy()).alias("name_bloom"),
            bloom_to_base64(mother_bloom, norm["mother"].is_not_null().to_numpy()).alias("mother_bloom"),
            _hmac_series(norm["dob"], key, "dob").alias("dob_hmac"),
            _hmac_series(norm["dob_ym"], key, "dob_ym").alias("dob_ym_hmac"),
            _hmac_series(norm["dob_year"], key, "dob_year").alias("dob_year_hmac"),
            norm["sex"],
            norm["desa"],
        ]
    )


def clear_frame(df: pl.DataFrame, *, keep: Sequence[str] = ("record_id", "source")) -> pl.DataFrame:
    """The encoded frame's columns holding the normalised clear values instead of tokens (names
    in `name_norm` / `mother_norm`, no Bloom filters): the clear-text side of the comparison."""
    norm = _normalised(df)
    return pl.DataFrame(
        [
            *[df[c] for c in keep if c in df.columns],
            norm["nik"].alias("nik_hmac"),
            norm["name"].str.split(" ").fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("name_hmacs"),
            norm["name"].alias("name_norm"),
            norm["mother"].alias("mother_norm"),
            norm["dob"].alias("dob_hmac"),
            norm["dob_ym"].alias("dob_ym_hmac"),
            norm["dob_year"].alias("dob_year_hmac"),
            norm["sex"],
            norm["desa"],
        ]
    )


# --- linkage on either frame ----------------------------------------------------------------

# Blocking: pairs that agree on one of these (all equalities, so the encoded and the clear
# frame give the very same candidate pairs).
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("nik_hmac",),
    ("dob_hmac",),
    ("desa", "dob_year_hmac"),
    ("first_part", "dob_year_hmac"),
)


def candidate_pairs(frame: pl.DataFrame) -> pl.DataFrame:
    """Row indices (l < r) of the pairs agreeing on at least one blocking rule."""
    df = frame.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("i"),
        "nik_hmac",
        "dob_hmac",
        "desa",
        "dob_year_hmac",
        pl.col("name_hmacs").list.first().alias("first_part"),
    )
    found: list[pl.DataFrame] = []
    for rule in BLOCKING_RULES:
        side = df.select("i", *rule).drop_nulls()
        found.append(
            side.join(side, on=list(rule), suffix="_r")
            .filter(pl.col("i") < pl.col("i_r"))
            .select(pl.col("i").alias("l"), pl.col("i_r").alias("r"))
        )
    return pl.concat(found).unique().sort(["l", "r"])


def _blocking_columns(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("i"),
        "nik_hmac",
        "dob_hmac",
        "desa",
        "dob_year_hmac",
        pl.col("name_hmacs").list.first().alias("first_part"),
    )


def candidate_pairs_between(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """Pairs (l: row of `left`, r: row of `right`) agreeing on at least one of `BLOCKING_RULES`:
    the same rules as `candidate_pairs`, across two frames instead of within one."""
    a, b = _blocking_columns(left), _blocking_columns(right)
    found: list[pl.DataFrame] = []
    for rule in BLOCKING_RULES:
        found.append(
            a.select("i", *rule)
            .drop_nulls()
            .join(b.select("i", *rule).drop_nulls(), on=list(rule), suffix="_r")
            .select(pl.col("i").alias("l"), pl.col("i_r").alias("r"))
        )
    return pl.concat(found).unique().sort(["l", "r"])


@dataclass(frozen=True)
class NameLevels:
    """Name similarity cut-offs of one measure: >= high, >= mid, < low."""

    high: float
    mid: float
    low: float


# Jaro-Winkler runs higher than Dice for the same pair of names, hence its own cut-offs.
LEVELS: dict[str, NameLevels] = {
    "clear": NameLevels(high=0.94, mid=0.86, low=0.70),
    "clear_bigram": NameLevels(high=0.85, mid=0.70, low=0.45),
    "hashed": NameLevels(high=0.85, mid=0.70, low=0.45),
}
LINK_AT = 9.0  # total weight from which a pair links
# From here a pair is worth a person's look: e.g. the same birth date, sex and desa with no name
# to compare (an unnamed baby), or a name that only half agrees. Below it, no candidate.
POSSIBLE_AT = 5.0
Decision = Literal["match", "possible", "no_match"]


def _jaro_winkler(a: pl.Series, b: pl.Series) -> np.ndarray:
    con = duckdb.connect()
    try:
        con.register("p", pl.DataFrame({"a": a, "b": b}).to_arrow())
        sims = con.sql("SELECT jaro_winkler_similarity(a, b) AS s FROM p").pl()["s"]
    finally:
        con.close()
    return sims.cast(pl.Float64).fill_null(float("nan")).to_numpy()


def compare(frame: pl.DataFrame, pairs: pl.DataFrame, method: Method) -> pl.DataFrame:
    """The pairs with their comparison levels and weight. method: "hashed" (frame from
    `encode_frame`: Dice of the Bloom filters), "clear" (frame from `clear_frame`: Jaro-Winkler
    of the names) or "clear_bigram" (clear frame, exact bigram Dice: what the Bloom filters
    approximate)."""
    left = pairs["l"].to_numpy()
    right = pairs["r"].to_numpy()
    if method == "hashed":
        name = dice_pairs(bloom_from_base64(frame["name_bloom"]), left, right)
        mother = dice_pairs(bloom_from_base64(frame["mother_bloom"]), left, right)
    elif method == "clear_bigram":
        name = dice_pairs(bloom_matrix(frame["name_norm"], None), left, right)
        mother = dice_pairs(bloom_matrix(frame["mother_norm"], None), left, right)
    else:
        name = _jaro_winkler(frame["name_norm"].gather(left), frame["name_norm"].gather(right))
        mother = _jaro_winkler(frame["mother_norm"].gather(left), frame["mother_norm"].gather(right))
    lv = LEVELS[method]
    # Only equality matters for these: each value as a dense integer code (null stays null), so
    # a million pairs gather integers, not two 64-character tokens a field (~1 GB saved there).
    fields = frame.select(
        pl.col(c).rank("dense")
        for c in ("nik_hmac", "dob_hmac", "dob_ym_hmac", "dob_year_hmac", "sex", "desa")
    )
    lf = fields.gather(left)
    rf = fields.gather(right).rename(lambda c: f"{c}_r")
    df = pl.concat([pairs, lf, rf], how="horizontal").with_columns(
        name_sim=pl.Series(name).fill_nan(None), mother_sim=pl.Series(mother).fill_nan(None)
    )

    def eq(c: str) -> pl.Expr:
        return pl.col(c) == pl.col(f"{c}_r")  # null when either is missing

    def level(sim: str, high: float, mid: float, low: float, below: float) -> pl.Expr:
        s = pl.col(sim)
        return (
            pl.when(s.is_null())
            .then(0.0)
            .when(s >= lv.high)
            .then(high)
            .when(s >= lv.mid)
            .then(mid)
            .when(s >= lv.low)
            .then(low)
            .otherwise(below)
        )

    weight = (
        pl.when(eq("nik_hmac")).then(7.0).when(~eq("nik_hmac")).then(-3.0).otherwise(0.0)
        + pl.when(eq("dob_hmac"))
        .then(5.0)
        .when(eq("dob_ym_hmac"))
        .then(1.0)
        .when(eq("dob_year_hmac"))
        .then(-1.0)
        .when(pl.col("dob_hmac").is_not_null() & pl.col("dob_hmac_r").is_not_null())
        .then(-5.0)
        .otherwise(0.0)
        + level("name_sim", 6.0, 2.5, -1.0, -5.0)
        + level("mother_sim", 2.0, 0.5, -0.5, -1.5)
        + pl.when(eq("sex")).then(0.5).when(~eq("sex")).then(-4.0).otherwise(0.0)
        + pl.when(eq("desa")).then(1.5).when(~eq("desa")).then(-0.5).otherwise(0.0)
    )
    return df.select("l", "r", "name_sim", "mother_sim", weight.alias("weight"))


def linked_edges(frame: pl.DataFrame, scored: pl.DataFrame, *, id_col: str = "record_id") -> pl.DataFrame:
    """The scored pairs that link (weight >= `LINK_AT`) as record_id_l, record_id_r (for
    `cluster.components`): the one decision rule of deduplication."""
    ids = frame[id_col]
    linked = scored.filter(pl.col("weight") >= LINK_AT)
    return pl.DataFrame({"record_id_l": ids.gather(linked["l"]), "record_id_r": ids.gather(linked["r"])})


def link(
    frame: pl.DataFrame, method: Method, *, id_col: str = "record_id"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(edges, scored): the linked pairs as record_id_l, record_id_r (for `cluster.components`)
    and every candidate pair with its weight."""
    scored = compare(frame, candidate_pairs(frame), method)
    return linked_edges(frame, scored, id_col=id_col), scored


def decide(scored: pl.DataFrame, n_left: int) -> pl.DataFrame:
    """Each left row's decision among its scored candidates (l, r, weight), one row per l in
    0..n_left-1: r (the best candidate; null for "no_match"), weight (the best weight, null
    without candidates), runner_up (the second best), decision.

    "match": the best reaches `LINK_AT` and no other candidate does (two that do are two golden
    records of one person or a real doubt: a person decides, so "possible"); "possible": the best
    reaches `POSSIBLE_AT`; else "no_match". Ties go to the lower r (deterministic)."""
    best = (
        scored.sort(["l", "weight", "r"], descending=[False, True, False])
        .group_by("l", maintain_order=True)
        .agg(
            pl.col("r").first(),
            pl.col("weight").first(),
            pl.col("weight").slice(1, 1).first().alias("runner_up"),
        )
    )
    rows = pl.DataFrame({"l": pl.int_range(n_left, dtype=pl.Int64, eager=True)})
    out = rows.join(best.with_columns(pl.col("l").cast(pl.Int64)), on="l", how="left")
    w, second = pl.col("weight"), pl.col("runner_up")
    decision = (
        pl.when((w >= LINK_AT) & (second.is_null() | (second < LINK_AT)))
        .then(pl.lit("match"))
        .when(w >= POSSIBLE_AT)
        .then(pl.lit("possible"))
        .otherwise(pl.lit("no_match"))
    )
    return out.with_columns(decision=decision).with_columns(
        r=pl.when(pl.col("decision") == "no_match").then(None).otherwise(pl.col("r"))
    )


def _compared_columns(method: Method) -> tuple[str, ...]:
    names = ("name_bloom", "mother_bloom") if method == "hashed" else ("name_norm", "mother_norm")
    return ("nik_hmac", "name_hmacs", "dob_hmac", "dob_ym_hmac", "dob_year_hmac", "sex", "desa", *names)


def link_to(left: pl.DataFrame, right: pl.DataFrame, method: Method) -> pl.DataFrame:
    """Link each row of `left` (e.g. an agency's encoded rows) to at most one row of `right`
    (the golden records, encoded the same way): `candidate_pairs_between`, `compare` with the
    same weights as deduplication, `decide`. Returns `decide`'s frame (r indexes `right`)."""
    cols = _compared_columns(method)
    both = pl.concat([left.select(cols), right.select(cols)], how="vertical_relaxed")
    pairs = candidate_pairs_between(left, right)
    shifted = pairs.with_columns(pl.col("r") + left.height)
    scored = compare(both, shifted, method).with_columns(pl.col("r") - left.height)
    return decide(scored, left.height)
