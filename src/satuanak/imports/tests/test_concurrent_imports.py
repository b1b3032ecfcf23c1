"""Two imports of the same source at once: serialised, neither corrupts the other."""

from __future__ import annotations

import csv
import threading
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.db import connection

from satuanak.core.sources import Source
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_file_run, staged_records
from satuanak.synth import generate_district


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_imports_at_once(tmp_path: Path, reference_data: None) -> None:
    generate_district(
        out_dir=tmp_path / "d",
        children=1_500,
        seed=9,
        reference_date=date(2024, 12, 31),
        data_dir=Path(settings.SATUANAK_DATA_DIR),
    )
    (a,) = (tmp_path / "d" / "exports" / "siak").glob("*.csv")
    with a.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows[:100]:
        row["NO_RT"] = "099" if row["NO_RT"] != "099" else "098"
    b = tmp_path / "siak_b.csv"
    with b.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(path: Path) -> None:
        try:
            start.wait()
            import_file_run(source=Source.SIAK, path=path)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    first, second = ImportBatch.objects.order_by("finished_at")
    assert first.status == second.status == ImportBatch.Status.DONE
    # Whichever ran second saw the other's rows: the changed ones as updates, the rest unchanged.
    assert first.inserted == first.accepted and second.inserted == 0
    assert 0 < second.updated <= 100
    assert second.unchanged == second.accepted - second.updated
    current = staged_records("siak")
    assert current is not None
    now = current.collect()
    # one current version per record, from the batch that ran last (it holds every key)
    assert now.height == now["natural_key"].n_unique() == first.accepted
    assert set(now["batch_id"].unique().to_list()) == {second.pk}
    assert now.filter(pl.col("change") == "changed").height == second.updated
