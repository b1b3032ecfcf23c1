"""What a child's page shows of each staged row: a few fields per source, and the row's date.

Pure. Identity fields (NIK, names) are not repeated here: the golden record holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class SummarySpec:
    observed_on: str | None  # the staged column that dates the row
    fields: tuple[str, ...]  # staged columns shown on the page


SUMMARY_SPECS: dict[str, SummarySpec] = {
    "siak": SummarySpec(None, ("family_relation", "akta", "akta_number", "kia", "desa_code", "death_date")),
    "eppgbm": SummarySpec(
        "measurement_date", ("weight_kg", "height_cm", "position", "muac_cm", "posyandu", "puskesmas")
    ),
    "imunisasi": SummarySpec("vaccination_date", ("vaccine", "place")),
    "kia_persalinan": SummarySpec(
        "delivery_date", ("delivery_place", "attendant", "birth_weight_g", "baby_status")
    ),
    "dapodik": SummarySpec(None, ("nisn", "npsn", "school_name", "level", "grade", "status")),
    "simfoni": SummarySpec("report_date", ("register_number", "violence_type", "services", "status")),
}


def summary_frame(adapter: str, staged: pl.DataFrame) -> pl.DataFrame:
    """(__row, batch_id, observed_on, summary JSON text) for each staged row of `adapter`."""
    spec = SUMMARY_SPECS[adapter]
    present = [c for c in spec.fields if c in staged.columns]
    observed = (
        pl.col(spec.observed_on) if spec.observed_on and spec.observed_on in staged.columns else pl.lit(None)
    ).cast(pl.Date)
    text_cols = [
        (pl.col(c).cast(pl.String) if staged.schema[c] in (pl.Date, pl.Datetime) else pl.col(c)).alias(c)
        for c in present
    ]
    summary = pl.struct(text_cols).struct.json_encode() if text_cols else pl.lit("{}")
    return staged.select(
        pl.col("__row"), pl.col("batch_id"), observed.alias("observed_on"), summary.alias("summary")
    )
