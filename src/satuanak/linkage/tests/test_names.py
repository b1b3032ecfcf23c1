"""Name normalisation: the variants the district's officers write are one name; others are not."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest

from satuanak.linkage.names import name_key_expr, name_norm_expr, unnamed_baby_expr


def _norm(values: Sequence[str | None]) -> list[str | None]:
    return (
        pl.DataFrame({"n": values}, schema={"n": pl.String})
        .select(name_norm_expr(pl.col("n")).alias("n"))["n"]
        .to_list()
    )


def _key(values: list[str]) -> list[str | None]:
    df = pl.DataFrame({"n": values}).select(name_norm_expr(pl.col("n")).alias("m"))
    return df.select(name_key_expr(pl.col("m")).alias("m"))["m"].to_list()


@pytest.mark.parametrize(
    "variants",
    [
        ["Muhammad Rizki", "Muhamad Rizki", "M. Rizki", "Moh. Rizki", "MUH RIZKI", "Mohammad rizki"],
        ["Nurul Hidayah", "Nur Hidayah", "NUR  HIDAYAH"],
        ["Siti Aminah", "St. Aminah", "Sitti Aminah"],
        ["Abdul Rahman", "Abd. Rahman"],
        ["Yohanes Ajun", "Johanes Ajun", "Yohannes Ajun"],
        ["Kristina Lidya", "Christina Lidya"],
        ["Rizki Pratama", "Rizky Pratama"],
        ["Hj. Siti Fatimah", "Siti Fatimah", "Siti Fatimah, S.Pd."],
    ],
)
def test_written_variants_have_one_spelling(variants: list[str]) -> None:
    assert len(set(_norm(variants))) == 1, _norm(variants)


@pytest.mark.parametrize(
    "variants",
    [
        ["Tjhin Fui Lan", "Chin Fui Lan", "Jin Fui Lan"],  # Hakka romanisations
        ["Anna Maria", "Ana Maria"],  # doubled letters
        ["Fatimah Zahra", "Fatima Jahra"],  # final h, z/j
        ["Soekarno", "Sukarno"],  # old spelling
        ["Djoko", "Joko"],
        ["Stefanus", "Stephanus"],
    ],
)
def test_spellings_of_one_sound_share_the_phonetic_key(variants: list[str]) -> None:
    assert len(set(_key(variants))) == 1, _key(variants)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Siti Aminah", "Siti Amalia"), ("Budi", "Bayu"), ("Tjhin Fui Lan", "Tjhin Fui Min"), ("Nur", "Nurdin")],
)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert _norm([a])[0] != _norm([b])[0]
    assert _key([a])[0] != _key([b])[0]


def test_titles_honorifics_and_empty_values() -> None:
    assert _norm(["By. Ny. Siti Aminah", "An. Budi", "Sdr. Yanto", "", None, "  .  "]) == [
        "siti aminah",
        "budi",
        "yanto",
        None,
        None,
        None,
    ]


def test_unnamed_newborns_are_recognised() -> None:
    got = pl.DataFrame({"n": ["By. Ny. Siti", "BAYI NY SITI", "By Ny. Lina", "Byan Saputra", "Siti"]}).select(
        unnamed_baby_expr(pl.col("n")).alias("n")
    )["n"]
    assert got.to_list() == [True, True, True, False, False]
