"""`satuanak import`: a summary per file; bad input is a message and a non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satuanak.core.sources import Source
from satuanak.imports.models import ImportBatch
from satuanak.imports.services import import_file_run

REPO = Path(__file__).resolve().parents[4]

SIAK_HEADER = "NO_KK,NIK,NAMA_LGKP,JENIS_KLMIN,TGL_LHR,KODE_DESA,NAMA_KEL\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(REPO / "manage.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_unknown_source_and_missing_file_exit_nonzero_without_traceback(tmp_path: Path) -> None:
    unknown = _run("import", "--source", "sipd", str(tmp_path / "x.csv"))
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    missing = _run("import", "--source", "siak", str(tmp_path / "tidak-ada.csv"))
    assert missing.returncode != 0
    assert "tidak ditemukan" in missing.stderr
    for result in (unknown, missing):
        assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_summary_and_failure_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "siak.csv"
    good.write_text(
        SIAK_HEADER
        + "6107011707140015,6107010903060005,SYARIF,LAKI-LAKI,09-03-2006,61.07.01.2001,SUNGAI DURI\n",
        encoding="utf-8",
    )
    call_command("import", "--source", "siak", "--quiet", str(good))
    out = capsys.readouterr().out
    assert "1 baris / rows = 1 diterima / accepted + 0 ditolak / rejected" in out
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="gagal"):
        call_command("import", "--source", "siak", "--quiet", str(empty))
    assert ImportBatch.objects.filter(status="failed").count() == 1


_cell = st.one_of(
    st.none(),
    # Printable text: control characters are not data an export carries ("blank" is ill-defined for them).
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.sampled_from(
        ["6107010903060005", "6107015303890008", "09-03-2006", "31/02/2020", "L", "P", "61.07.01.2001"]
    ),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=7, max_size=7), min_size=0, max_size=15))
def test_random_rows_are_all_accounted_for(tmp_path: Path, rows: list[list[str | None]]) -> None:
    import csv

    path = tmp_path / f"acak-{abs(hash(str(rows)))}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SIAK_HEADER.strip().split(","))
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    # Rows with any visible value are data rows; all-blank ones are skipped and counted apart.
    data_rows = sum(1 for row in rows if any((v or "").strip() for v in row))
    for batch in import_file_run(source=Source.SIAK, path=path):
        assert batch.rows_in == batch.accepted + batch.rejected
        if batch.status == ImportBatch.Status.DONE:
            assert batch.rows_in == data_rows
            assert batch.rejected_rows.count() == batch.rejected
        else:  # the same random file twice is a duplicate, adding nothing
            assert batch.status == ImportBatch.Status.DUPLICATE and batch.rows_in == 0
