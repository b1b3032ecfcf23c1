"""The staged row hash is a fixed function of the canonical text (not a library's seeded hash)."""

from __future__ import annotations

import hashlib

import polars as pl

from satuanak.sources.base import _hash_hex


def test_row_hash_is_blake2b_of_the_text_and_keeps_nulls() -> None:
    texts = pl.Series("t", ["6107010903060005|SYARIF|2006-03-09", None, ""])
    got = pl.DataFrame({"t": texts}).select(_hash_hex(pl.col("t")).alias("h"))["h"].to_list()
    assert got[0] == hashlib.blake2b(texts[0].encode(), digest_size=16).hexdigest()
    assert got[1] is None
    assert got[2] == hashlib.blake2b(b"", digest_size=16).hexdigest()
    assert len(got[0]) == 32
