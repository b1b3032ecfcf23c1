"""Indonesian person names for linkage: one spelling per name, and a phonetic key.

Vectorised (Polars expressions), no Django. Two outputs:

- `name_norm_expr`: lower case, punctuation gone, honorifics and titles stripped, and the
  common written variants of a name word mapped to one spelling (Muhammad / Muhamad / Moh. /
  M. -> "muhammad"; Nurul -> "nur"; St. -> "siti"; Abd. -> "abdul"; Yohannes -> "yohanes").
  Two records whose `name_norm` are equal spell the same name.
- `name_key_expr`: a phonetic key of `name_norm` for the spellings that are not variants of
  a word but of a whole orthography: old Dutch-era Indonesian (oe, dj, tj, sj, ch), Hakka
  romanisations in Bengkayang (Tjhin / Chin / Jin), Ph / F, Y / I at the end,
  doubled letters. Two names with equal keys sound alike to an officer writing them down.

Why dictionary + rules: the variants are few and well known (they are how the district's
officers write names), and a general phonetic algorithm (Soundex, Metaphone) is built for
English and merges far too much in Indonesian names.
"""

from __future__ import annotations

import polars as pl

# Words that are not part of a person's name: honorifics, kinship and baby prefixes, and the
# short forms of academic and religious titles. Removed wherever they stand as a word.
HONORIFICS: frozenset[str] = frozenset(
    {
        "by",  # "By. Ny. Siti" = baby of Mrs Siti (an unnamed newborn)
        "bayi",
        "ny",
        "nyonya",
        "nn",
        "nona",
        "an",  # "An." = anak
        "sdr",
        "sdri",
        "tn",
        "tuan",
        "bpk",
        "bapak",
        "ibu",
        "alm",
        "almh",
        "h",
        "hj",
        "haji",
        "hajah",
        "hajjah",
        "dr",
        "drs",
        "dra",
        "ir",
        "spd",
        "skep",
        "amd",
        "amdkeb",
        "amdkep",
        "skm",
        "se",
        "sh",
        "ssos",
        "sag",
        "sip",
        "mpd",
        "mm",
    }
)

# Written variants of a name word -> the one spelling used for comparison.
VARIANTS: dict[str, str] = {
    # Muhammad and its abbreviations
    "muhammad": "muhammad",
    "muhamad": "muhammad",
    "muhammmad": "muhammad",
    "mohammad": "muhammad",
    "mohamad": "muhammad",
    "mohammed": "muhammad",
    "muhammed": "muhammad",
    "mochammad": "muhammad",
    "mochamad": "muhammad",
    "moch": "muhammad",
    "moh": "muhammad",
    "muh": "muhammad",
    "mhd": "muhammad",
    "md": "muhammad",
    "m": "muhammad",
    # Nur / Nurul
    "nurul": "nur",
    "nor": "nur",
    "noor": "nur",
    # Siti / St.
    "st": "siti",
    "sitti": "siti",
    # Abdul / Abd.
    "abd": "abdul",
    "abdoel": "abdul",
    # Christian names as written in Dayak communities
    "yohannes": "yohanes",
    "johanes": "yohanes",
    "johannes": "yohanes",
    "yohanis": "yohanes",
    "julius": "yulius",
    "christina": "kristina",
    "kristin": "kristina",
    "cristina": "kristina",
    "yosef": "yosep",
    "yusuf": "yusup",
    "yoseph": "yosep",
    "joseph": "yosep",
    "maria": "maria",
    "fransiskus": "fransiskus",
    "fransiscus": "fransiskus",
    "franciscus": "fransiskus",
    "agustinus": "agustinus",
    "augustinus": "agustinus",
    # common Malay/Muslim spellings
    "rizky": "rizki",
    "risky": "rizki",
    "rizqi": "rizki",
    "rezki": "rizki",
    "achmad": "ahmad",
    "akhmad": "ahmad",
    "ahmat": "ahmad",
    "fatimah": "fatimah",
    "fatima": "fatimah",
}

# Orthography rules for the phonetic key, applied in order to `name_norm`.
_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    # Hakka romanisations write one sound as Tjh / Tj / Ch / J (Tjhin, Chin, Jin), and modern
    # Indonesian writes the old "tj" as "c": all become "j".
    (r"tjh", "j"),
    (r"tj", "j"),
    (r"ch", "j"),
    (r"c", "j"),
    (r"dj", "j"),  # Djoko -> joko
    (r"sj", "sy"),  # Sjarif -> syarif
    (r"oe", "u"),  # Soekarno -> sukarno
    (r"ph", "f"),
    (r"kh", "k"),
    (r"q", "k"),
    (r"x", "ks"),
    (r"z", "j"),  # Zainal / Jainal are written both ways
    (r"v", "f"),
    (r"y", "i"),  # Yanti / Ianti; Rizky / Rizki
    (r"w", "u"),
    (r"([a-z])h\b", "$1"),  # a final h is not heard: Fatimah / Fatima
)


def _tokens_clean(expr: pl.Expr) -> pl.Expr:
    """Lower case, anything but letters -> space (so "M.Rizki" is two words), titles after a
    comma dropped ("Budi, S.Pd.")."""
    s = expr.cast(pl.String).str.to_lowercase().str.replace(r",.*$", "")
    s = s.str.replace_all(r"[^a-z\s]", " ")
    return s.str.replace_all(r"\s+", " ").str.strip_chars()


def name_norm_expr(expr: pl.Expr) -> pl.Expr:
    """The comparable spelling of a name (null when nothing is left)."""
    words = _tokens_clean(expr).str.split(" ")
    words = words.list.eval(
        pl.element().filter(~pl.element().is_in(sorted(HONORIFICS)) & (pl.element() != "")).replace(VARIANTS)
    )
    joined = words.list.join(" ")
    return pl.when(joined == "").then(None).otherwise(joined)


def name_key_expr(norm: pl.Expr) -> pl.Expr:
    """The phonetic key of a `name_norm` value."""
    s = norm
    for pattern, repl in _PHONETIC_RULES:
        s = s.str.replace_all(pattern, repl)
    # Doubled letters (Anna / Ana); the regex engine has no back-references, hence per letter.
    for letter in "abcdefgijklmnoprstu":
        s = s.str.replace_all(f"{letter}{letter}+", letter)
    return s


def unnamed_baby_expr(expr: pl.Expr) -> pl.Expr:
    """True for "By. Ny. Siti" / "Bayi Ny. Siti": the name is the mother's, not the child's."""
    return expr.cast(pl.String).str.to_lowercase().str.contains(r"^\s*(by|bayi)\b[\s.]*(ny|nyonya)?\b")


def first_word_expr(norm: pl.Expr) -> pl.Expr:
    return norm.str.split(" ").list.first()


def last_word_expr(norm: pl.Expr) -> pl.Expr:
    return norm.str.split(" ").list.last()
