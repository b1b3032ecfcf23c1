"""The retention suppression list as the later stages read it: staged rows minus the rows the
retention job removed (docs/decisions/0007, section 3).

The staged Parquet files never change (docs/decisions/0005), so a row removed from the linked
record would come back with the next linkage run. Every stage that builds or reads children's
records from staged rows (linkage, flags, mutu) reads them through `staged_records_kept`, which
drops the suppressed natural keys. The list is usually empty: then it costs one query.
"""

from __future__ import annotations

import polars as pl

from satuanak.imports.services import staged_records
from satuanak.linkage.models import SuppressedRecord
from satuanak.linkage.records import natural_key_digests

DIGEST = "__key_digest"


def suppressed_digests(adapter: str) -> set[str]:
    return set(SuppressedRecord.objects.filter(adapter=adapter).values_list("key_digest", flat=True))


def without_suppressed(adapter: str, rows: pl.LazyFrame, digests: set[str]) -> pl.LazyFrame:
    """`rows` (with `natural_key`) without those whose digest is in `digests`."""
    if not digests:
        return rows
    return (
        rows.with_columns(
            pl.col("natural_key")
            .map_batches(lambda s: natural_key_digests(adapter, s), return_dtype=pl.String)
            .alias(DIGEST)
        )
        .filter(pl.col(DIGEST).is_null() | ~pl.col(DIGEST).is_in(list(digests)))
        .drop(DIGEST)
    )


def staged_records_kept(adapter: str) -> pl.LazyFrame | None:
    """The current version of every staged record of a format, less the suppressed ones."""
    lazy = staged_records(adapter)
    if lazy is None:
        return None
    return without_suppressed(adapter, lazy, suppressed_digests(adapter))
