"""`satuanak generate`: bilingual errors with a non-zero exit (no traceback) and a small happy path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[4]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (fixed interpreter and arguments)
        [sys.executable, "manage.py", "generate", "--quiet", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--children", "0"], "Jumlah anak harus bilangan positif / --children must be a positive number"),
        (["--children", "-5"], "Jumlah anak harus bilangan positif"),
        (["--children", "1.5"], "--children must be a positive number"),
        (["--children", "abc"], "--children must be a positive number"),
        (["--reference-date", "31-12-2024"], "--reference-date must be YYYY-MM-DD"),
        (["--seed", "x"], "--seed must be a non-negative integer"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], message: str, tmp_path: Path) -> None:
    proc = _run("--out", str(tmp_path / "out"), *args)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x")
    proc = _run("--out", str(f), "--children", "10")
    assert proc.returncode != 0
    assert "--out is not a directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_not_writable(tmp_path: Path) -> None:
    # A folder below a regular file can never be created, even by root (chmod would not stop root).
    f = tmp_path / "file.txt"
    f.write_text("x")
    proc = _run("--out", str(f / "sub"), "--children", "10")
    assert proc.returncode != 0
    assert "--out is not writable" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_option_exits_2(tmp_path: Path) -> None:
    proc = _run("--out", str(tmp_path), "--bogus")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_happy_path_call_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("generate", children="2000", seed="5", out=str(tmp_path), reference_date="2024-06-30")
    out = capsys.readouterr().out
    assert "Selesai / done" in out
    assert "stunting_rate" in out
    manifest = json.loads((tmp_path / "ground_truth" / "manifest.json").read_text())
    assert manifest["children"] == 2000 and manifest["seed"] == 5
    assert manifest["reference_date"] == "2024-06-30"
    assert any(p.suffix == ".xlsx" for p in (tmp_path / "exports" / "eppgbm").iterdir())
    assert (tmp_path / "exports" / "siak").is_dir()
