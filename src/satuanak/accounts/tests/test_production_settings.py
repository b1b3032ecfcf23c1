"""`check --deploy` is clean with the production settings and a real secret key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _run(env_extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SATUANAK_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.django.production",
            "SATUANAK_ALLOWED_HOSTS": "x",
            "SATUANAK_SQLITE_PATH": str(tmp_path / "deploy.sqlite3"),
            **env_extra,
        }
    )
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_check_deploy_reports_no_issues(tmp_path: Path) -> None:
    key = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)") for _ in range(50))
    result = _run({"SATUANAK_SECRET_KEY": key}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run({}, tmp_path)
    assert result.returncode != 0
    assert "SATUANAK_SECRET_KEY" in result.stderr
