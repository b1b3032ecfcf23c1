"""Commands meet bad input with a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

REPO = Path(__file__).resolve().parents[4]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, str(REPO / "manage.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_load_reference_with_missing_folder_exits_nonzero_with_message(tmp_path: Path) -> None:
    result = _run("load_reference", "--data-dir", str(tmp_path / "nope"))
    assert result.returncode != 0
    assert "tidak ditemukan" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_is_rejected_without_traceback() -> None:
    result = _run("load_reference", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_load_reference_with_incomplete_folder_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("load_reference", "--data-dir", str(tmp_path))


@pytest.mark.django_db
def test_demo_users_prints_every_login(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo_users")
    out = capsys.readouterr().out
    for username in ("steward", "pkm_sungai_duri", "publik", "bappeda"):
        assert username in out
