"""The import service on real-looking files: every row accounted for, idempotent, atomic."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.conf import settings

from satuanak.core.sources import Source
from satuanak.imports import services, staging
from satuanak.imports.models import ImportBatch, ImportIssue, RejectedRow
from satuanak.imports.services import (
    batch_stored_file,
    import_batches_mark_interrupted,
    import_file_run,
    rejected_rows_csv,
    staged_record_history,
    staged_records,
)
from satuanak.synth import generate_district

SOURCE_DIRS = {
    Source.SIAK: "siak",
    Source.EPPGBM: "eppgbm",
    Source.IMUNISASI: "imunisasi",
    Source.KIA: "kia",
    Source.DAPODIK: "dapodik",
    Source.SIMFONI: "simfoni",
}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out,
        children=3_000,
        seed=5,
        reference_date=date(2024, 12, 31),
        data_dir=Path(settings.SATUANAK_DATA_DIR),
    )
    return out


def _files(district: Path, source: Source) -> list[Path]:
    return sorted(p for p in (district / "exports" / SOURCE_DIRS[source]).iterdir() if p.is_file())


@pytest.mark.django_db
def test_every_generated_export_imports_with_every_row_accounted_for(district: Path) -> None:
    truth = pl.read_parquet(district / "ground_truth" / "source_rows.parquet")
    for source in SOURCE_DIRS:
        for path in _files(district, source):
            batches = import_file_run(source=source, path=path)
            for b in batches:
                assert b.status == ImportBatch.Status.DONE, (path.name, b.message)
                assert b.rows_in == b.accepted + b.rejected
                assert RejectedRow.objects.filter(batch=b).count() == b.rejected
                rel = str(path.relative_to(district / "exports"))
                in_file = truth.filter(pl.col("file").str.ends_with(path.name))
                if in_file["sheet"].n_unique() > 1:  # a workbook of two parts (KIA): this batch's sheet
                    in_file = in_file.filter(pl.col("sheet") == b.sheet)
                expected = in_file.height
                assert b.rows_in == expected, (rel, b.sheet, b.rows_in, expected)
                # Every rejected row has at least one error saying why.
                rejected_rows = set(RejectedRow.objects.filter(batch=b).values_list("row_number", flat=True))
                explained = set(
                    ImportIssue.objects.filter(batch=b, severity="error").values_list("row_number", flat=True)
                )
                assert rejected_rows <= explained
                assert b.accepted > 0.5 * b.rows_in, (rel, b.accepted, b.rows_in)
                # The accepted rows are in the batch's staged file, typed, with their row numbers.
                staged = pl.read_parquet(staging.staging_root() / b.staged_file)
                assert staged.height == b.accepted
                assert not set(staged["__row"].to_list()) & rejected_rows
    for adapter in ("siak", "eppgbm", "kia_persalinan", "dapodik", "simfoni"):
        current = staged_records(adapter)
        assert current is not None and current.select(pl.len()).collect().item() > 0, adapter


@pytest.mark.django_db
def test_same_file_again_adds_nothing(district: Path) -> None:
    (path,) = _files(district, Source.SIAK)
    (first,) = import_file_run(source=Source.SIAK, path=path)
    (second,) = import_file_run(source=Source.SIAK, path=path)
    assert second.status == ImportBatch.Status.DUPLICATE
    assert second.duplicate_of == first
    assert "sudah diimpor" in second.message
    assert second.staged_file == ""
    current = staged_records("siak")
    assert current is not None
    assert current.select(pl.len()).collect().item() == first.accepted
    assert current.select(pl.col("batch_id").unique()).collect()["batch_id"].to_list() == [first.pk]
    # Lineage: the batch keeps a copy of the file, named by its hash.
    stored = batch_stored_file(first)
    assert stored.is_file() and stored.name.startswith(first.sha256)
    # Kept relative to MEDIA_ROOT, so a restore into other folders still finds it.
    assert first.stored_path == f"imports/{stored.name}"


def test_a_batch_of_an_earlier_release_finds_its_copy_after_a_restore_into_other_folders(
    db: None, settings: Any, tmp_path: Path
) -> None:
    # Earlier releases kept the absolute path; a restore puts the file under this MEDIA_ROOT.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    copy = tmp_path / "media" / "imports" / "abc123.csv"
    copy.parent.mkdir(parents=True)
    copy.write_text("nik\n", encoding="utf-8")
    old = ImportBatch(stored_path="/srv/old-server/media/imports/abc123.csv")
    assert batch_stored_file(old) == copy
    here = ImportBatch(stored_path=str(copy))  # absolute and still there: used as it is
    assert batch_stored_file(here) == copy
    assert batch_stored_file(ImportBatch(stored_path="imports/abc123.csv")) == copy


def _rewrite_siak(src: Path, dst: Path, change: dict[int, dict[str, str]]) -> int:
    with src.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for i, fields in change.items():
        rows[i].update(fields)
    with dst.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


@pytest.mark.django_db
def test_a_later_export_updates_by_natural_key_and_keeps_history(district: Path, tmp_path: Path) -> None:
    (path,) = _files(district, Source.SIAK)
    (first,) = import_file_run(source=Source.SIAK, path=path)
    later = tmp_path / "siak_later.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # The first row that the first import accepted: change its RT.
    first_rows = pl.read_parquet(staging.staging_root() / first.staged_file)
    accepted_rows = set(first_rows["__row"].to_list())
    index = next(i for i in range(len(rows)) if i + 2 in accepted_rows)  # row_number = line number
    old_rt = rows[index]["NO_RT"]
    new_rt = "099" if old_rt.lstrip("0") != "99" else "098"
    _rewrite_siak(path, later, {index: {"NO_RT": new_rt}})
    (second,) = import_file_run(source=Source.SIAK, path=later)
    assert second.status == ImportBatch.Status.DONE
    assert second.updated == 1
    assert second.inserted == 0
    assert second.unchanged == second.accepted - 1
    key = first_rows.filter(pl.col("__row") == index + 2)["natural_key"].item()
    history = staged_record_history("siak", key)
    assert history["batch_id"].to_list() == [first.pk, second.pk]
    assert history["change"].to_list() == ["new", "changed"]
    rt_field = next(c for c in history.columns if c.lower() in ("rt", "no_rt"))
    assert history[rt_field][0] != history[rt_field][1]
    current = staged_records("siak")
    assert current is not None
    now = current.filter(pl.col("natural_key") == key).collect()
    assert now["batch_id"].item() == second.pk and now[rt_field].item() == history[rt_field][1]
    # one current version per record; the later batch holds every key (unchanged ones too)
    assert current.select(pl.len()).collect().item() == first.accepted


@pytest.mark.django_db
def test_a_crash_mid_write_leaves_no_half_batch(district: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (path,) = _files(district, Source.SIAK)
    real = services._bulk_insert

    def failing(table: str, *args: Any, **kwargs: Any) -> None:
        if table == "imports_importissue":
            raise RuntimeError("simulated crash")
        real(table, *args, **kwargs)

    monkeypatch.setattr(services, "_bulk_insert", failing)
    with pytest.raises(RuntimeError):
        import_file_run(source=Source.SIAK, path=path)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.RUNNING
    assert batch.staged_file == ""
    assert staged_records("siak") is None
    assert not list(staging.staging_root().rglob("*.parquet"))  # the file went with the transaction
    assert not RejectedRow.objects.exists()
    monkeypatch.setattr(services, "_bulk_insert", real)
    from datetime import timedelta

    assert import_batches_mark_interrupted(older_than=timedelta(0)) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    # ...and the same file can simply be imported again.
    (again,) = import_file_run(source=Source.SIAK, path=path)
    assert again.status == ImportBatch.Status.DONE and again.accepted > 0


@pytest.mark.django_db
def test_a_kill_between_file_and_commit_leaves_an_orphan_nobody_reads(district: Path) -> None:
    """A process killed after renaming its staged file into place but before its commit: the
    batch never became done, so no reader sees the file, and the sweep deletes it."""
    import os
    from datetime import timedelta

    (path,) = _files(district, Source.SIAK)
    (done,) = import_file_run(source=Source.SIAK, path=path)
    killed = ImportBatch.objects.create(
        source="siak", adapter="siak", file_name="mati.csv", sha256="0" * 64, status="running"
    )
    orphan = staging.write_batch_file(
        staging.batch_file("siak", killed.pk), pl.DataFrame({"natural_key": ["x"]})
    )
    current = staged_records("siak")
    assert current is not None
    assert current.filter(pl.col("natural_key") == "x").collect().height == 0
    os.utime(orphan, (0, 0))  # old enough for the sweep
    ImportBatch.objects.filter(pk=killed.pk).update(started_at=done.started_at)
    assert import_batches_mark_interrupted(older_than=timedelta(0)) == 1
    assert not orphan.exists()
    assert (staging.staging_root() / done.staged_file).exists()


@pytest.mark.django_db
def test_rejected_rows_download_can_be_corrected_and_reimported(district: Path, tmp_path: Path) -> None:
    (path,) = _files(district, Source.DAPODIK)[:1]
    (batch,) = import_file_run(source=Source.DAPODIK, path=path)
    assert batch.rejected > 0
    report = tmp_path / "ditolak.csv"
    report.write_text(rejected_rows_csv(batch=batch), encoding="utf-8")
    with report.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == batch.rejected
    assert all(r["ALASAN"] for r in rows)
    # Re-importing the report as it is: the same rows come back rejected, nothing is lost.
    (again,) = import_file_run(source=Source.DAPODIK, path=report)
    assert again.rows_in == batch.rejected == again.accepted + again.rejected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "code_words"),
    [
        ("kosong.csv", b"", "kosong"),
        ("gambar.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "bukan"),
        ("potong.xlsx", None, "rusak"),
    ],
)
def test_unreadable_files_fail_clearly(
    tmp_path: Path, name: str, content: bytes | None, code_words: str
) -> None:
    path = tmp_path / name
    if content is None:
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        for i in range(2000):
            ws.append([f"6107{i:012d}", "NAMA", "L", "2020-01-01"])
        whole = tmp_path / "utuh.xlsx"
        wb.save(whole)
        data = whole.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(content)
    (batch,) = import_file_run(source=Source.SIAK, path=path)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.rows_in == batch.accepted + batch.rejected == 0
    assert batch.message
    assert "/" in batch.message  # Indonesian / English
    assert batch.staged_file == "" and staged_records("siak") is None
    del code_words  # the exact wording belongs to the readers' tests


@pytest.mark.django_db
def test_a_file_of_another_source_is_rejected_whole_with_the_reason(district: Path) -> None:
    dapodik = _files(district, Source.DAPODIK)[0]
    (batch,) = import_file_run(source=Source.EPPGBM, path=dapodik)
    assert batch.rows_in == batch.rejected > 0
    assert batch.accepted == 0
    assert "DAPODIK" in batch.message or "dapodik" in batch.message.lower()
    assert RejectedRow.objects.filter(batch=batch).count() == batch.rows_in
