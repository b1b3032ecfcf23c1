"""/healthz, /readyz, the outage pages, request ids and JSON logs, and `satuanak check-deploy`."""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.utils import timezone

from satuanak.audit.models import AuditAction
from satuanak.audit.services import audit_record
from satuanak.ops.logging import JsonFormatter, RequestIdFilter, request_id_set
from satuanak.ops.models import WorkerHeartbeat
from satuanak.ops.services import worker_beat, worker_is_alive, workers_alive

ROOT = Path(__file__).resolve().parents[4]


def _beat(**fields: Any) -> WorkerHeartbeat:
    worker_beat(worker_id="w-test")
    WorkerHeartbeat.objects.filter(worker_id="w-test").update(**fields)
    return WorkerHeartbeat.objects.get(worker_id="w-test")


def test_healthz_answers_without_the_database(client: Client) -> None:
    # No django_db mark: any query would raise, and the client re-raises it here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_needs_a_live_worker(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False
    assert "satuanak-worker" in body["checks"]["worker"]["detail"]

    _beat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_a_worker_is_dead_when_its_beat_is_stale_or_it_stopped_or_its_process_is_gone() -> None:
    beat = _beat()
    assert worker_is_alive(beat)
    assert not worker_is_alive(_beat(beat_at=timezone.now() - timedelta(minutes=5)))
    assert not worker_is_alive(_beat(beat_at=timezone.now(), stopped_at=timezone.now()))
    # A process that has exited (its pid is free): dead at once, however fresh the beat.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert not worker_is_alive(_beat(beat_at=timezone.now(), stopped_at=None, pid=gone.pid))
    assert workers_alive() == []


@pytest.mark.django_db
def test_readyz_fails_when_the_disk_is_below_the_limit(client: Client, settings: Any) -> None:
    _beat()
    settings.SATUANAK_MIN_FREE_DISK_MB = 1024**3  # more than any disk has: a petabyte
    response = client.get("/readyz")
    assert response.status_code == 503
    disk = {k: v for k, v in response.json()["checks"].items() if k.startswith("disk:")}
    assert disk and all(not v["ok"] for v in disk.values())
    assert "Ruang disk hampir habis" in next(iter(disk.values()))["detail"]


@pytest.mark.django_db
def test_a_database_outage_is_a_503_page_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr("satuanak.web.views.dashboard_figures", down)
    client = Client(raise_request_exception=False)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    text = response.content.decode()
    assert "Basis data sedang tidak terjangkau" in text and "The database cannot be reached" in text
    assert "Traceback" not in text and "Connection refused" not in text


@pytest.mark.django_db
def test_a_full_disk_is_a_507_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("satuanak.web.views.dashboard_figures", full)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 507
    assert "Ruang penyimpanan server penuh" in response.content.decode()


@pytest.mark.django_db
def test_other_errors_stay_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("a bug")

    monkeypatch.setattr("satuanak.web.views.dashboard_figures", bug)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in response.content.decode()


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client: Client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second
    # nginx's $request_id is kept, so its access log and ours share it ...
    assert client.get("/healthz", headers={"X-Request-ID": "a1b2c3d4e5f6a7b8"})["X-Request-ID"] == (
        "a1b2c3d4e5f6a7b8"
    )
    # ... but a client cannot write arbitrary text into the logs.
    forged = client.get("/healthz", headers={"X-Request-ID": "x\nFAKE LOG LINE"})["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32


def test_json_log_lines_carry_the_request_id_and_no_query_string() -> None:
    request = RequestFactory().get("/anak/", {"q": "SITI AMINAH 6107012345678901"})
    record = logging.makeLogRecord(
        {
            "name": "django.request",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "Not Found: %s",
            "args": (request.path,),
            "request": request,
            "status_code": 404,
        }
    )
    request_id_set("req-1234567890")
    try:
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_set(None)
    entry = json.loads(line)
    assert entry["request_id"] == "req-1234567890"
    assert entry["message"] == "Not Found: /anak/"
    assert entry["path"] == "/anak/" and entry["status_code"] == 404
    assert "SITI" not in line and "6107012345678901" not in line


def _production_like(settings: Any, tmp_path: Path, monkeypatch: Any) -> None:
    # Set by the browser tests' fixtures for their live server, and rightly refused by Django's
    # deployment checks (async.E001): a production process never has it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    settings.ALLOWED_HOSTS = ["satuanak.bengkayangkab.go.id"]
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.STATIC_ROOT = tmp_path / "static"
    (tmp_path / "static" / "web").mkdir(parents=True)
    (tmp_path / "static" / "web" / "site.css").write_text("body{}")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SATUANAK_STAGING_DIR = tmp_path / "staging"
    key = tmp_path / "backup.key"
    key.write_text("k")
    key.chmod(0o600)
    settings.SATUANAK_BACKUP_KEY_FILE = str(key)


@pytest.mark.django_db
def test_check_deploy_fails_on_a_development_setup_and_names_what(settings: Any, tmp_path: Path) -> None:
    settings.DEBUG = True
    settings.STATIC_ROOT = tmp_path / "empty"
    with pytest.raises(CommandError) as failed:
        call_command("check_deploy", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit
    message = str(failed.value)
    for name in ("debug", "worker", "static files", "django check --deploy"):
        assert name in message


@pytest.mark.django_db
def test_check_deploy_passes_a_production_setup(
    settings: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    _production_like(settings, tmp_path, monkeypatch)
    _beat()
    audit_record(action=AuditAction.BACKUP_CREATED, actor=None, subject_type="backup", subject_id="")
    call_command("check_deploy")
    out = capsys.readouterr().out
    assert "GAGAL" not in out
    assert "Siap dipakai" in out
    # Loose permissions on the backup key are a failure: it decrypts every archive.
    Path(settings.SATUANAK_BACKUP_KEY_FILE).chmod(0o644)
    with pytest.raises(CommandError, match="backup key"):
        call_command("check_deploy")


@pytest.mark.django_db
def test_check_deploy_warns_about_a_missed_backup_without_failing(
    settings: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    _production_like(settings, tmp_path, monkeypatch)
    _beat()
    call_command("check_deploy")
    assert "Belum pernah ada cadangan" in capsys.readouterr().out


def test_the_documented_command_name_runs_and_fails_clearly(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SATUANAK_SQLITE_PATH": str(tmp_path / "empty.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "config.django.base",
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "check-deploy"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1
    assert "migrations" in proc.stdout and "satuanak migrate" in proc.stdout
    assert "pemeriksaan gagal" in proc.stderr and "Traceback" not in proc.stderr
