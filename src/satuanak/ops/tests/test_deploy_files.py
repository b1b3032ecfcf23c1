"""The production deployment files (deploy/, docs/deploy.md) agree with the application.

Fast and offline: the files are read and parsed, the commands they run are looked up in the
application, and the environment file install.sh writes is checked with Django's deployment
checks. The whole installation is rehearsed by `make deploy-rehearsal` (deploy/rehearse.sh).
"""

from __future__ import annotations

import configparser
import importlib
import os
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("satuanak-*"))
SERVICES = [u for u in UNITS if u.suffix == ".service"]
NGINX = (DEPLOY / "nginx" / "satuanak.conf").read_text(encoding="utf-8")
INSTALL = (DEPLOY / "install.sh").read_text(encoding="utf-8")
DOCS = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")

# The documented layout (docs/deploy.md) the unit files are written for.
VENV_BIN = "/opt/satuanak/venv/bin/"
APP_DIR = "/opt/satuanak/app/"
ENV_FILE = "/etc/satuanak/satuanak.env"
DATA_DIR = "/var/lib/satuanak"
BACKUP_DIR = "/var/backups/satuanak"

# Upload limits the application enforces itself; nginx must let such a body through so the user
# gets the application's message, not nginx's bare 413.
UPLOAD_LIMITS = [
    ("satuanak.web.imports_views", "MAX_UPLOAD_BYTES"),
    ("satuanak.web.programme_views", "MAX_BULK_BYTES"),
    ("satuanak.web.kla_views", "MAX_EVIDENCE_BYTES"),
    ("satuanak.referrals.services", "MAX_ATTACHMENT_BYTES"),
]


def unit_parse(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: a key may repeat (several ExecStart of a oneshot)."""
    sections: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = sections.setdefault(line[1:-1], {})
            continue
        assert section is not None, f"{path.name}: {line!r} before any [section]"
        assert "=" in line, f"{path.name}: not key=value: {line!r}"
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(path: Path) -> dict[str, list[str]]:
    return unit_parse(path)["Service"]


def env_names_read_by_the_app() -> set[str]:
    """Every environment variable the application and gunicorn's settings read."""
    sources = [p for p in (ROOT / "src").rglob("*.py") if "tests" not in p.parts]
    sources.append(DEPLOY / "gunicorn.conf.py")
    pattern = re.compile(
        r"""(?:env_(?:str|bool|list)|_env_int|os\.environ\.get|os\.getenv|os\.environ\[)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
        r"""|env=["']([A-Z][A-Z0-9_]+)["']"""
    )
    names: set[str] = set()
    for path in sources:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def env_template(**values: str) -> dict[str, str]:
    """The environment file install.sh writes, with its shell variables filled in."""
    match = re.search(r'cat >"\$ENV_FILE\.new" <<EOF\n(.*?)\nEOF\n', INSTALL, flags=re.DOTALL)
    assert match, "install.sh no longer writes the environment file from a heredoc"
    env: dict[str, str] = {}
    for line in match.group(1).splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        value = re.sub(r"\$(\w+)", lambda m: values[m.group(1)], value)
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        env[key] = value
    return env


def nginx_size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", text).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


# --- systemd units --------------------------------------------------------------------------


def test_the_units_are_there_and_parse() -> None:
    names = {u.name for u in UNITS}
    assert names == {
        "satuanak-web.service",
        "satuanak-worker.service",
        "satuanak-backup.service",
        "satuanak-backup.timer",
        "satuanak-housekeeping.service",
        "satuanak-housekeeping.timer",
    }
    for path in UNITS:
        # configparser as a second opinion on the syntax (strict=False: ExecStart may repeat).
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(path, encoding="utf-8")
        assert "Unit" in parser.sections(), path.name
        assert unit_parse(path)


def test_every_service_runs_as_the_service_user_with_the_environment_file() -> None:
    for path in SERVICES:
        s = service(path)
        assert s["User"] == ["satuanak"] and s["Group"] == ["satuanak"], path.name
        assert s["EnvironmentFile"] == [ENV_FILE], path.name
        # Writable: DuckDB and fontconfig write scratch files next to the working directory.
        assert s["WorkingDirectory"] == [DATA_DIR], path.name
        for line in s["ExecStart"]:
            assert line.startswith(VENV_BIN), f"{path.name}: {line}"


def test_the_hardening_leaves_only_the_data_folders_writable() -> None:
    for path in SERVICES:
        s = service(path)
        assert s["NoNewPrivileges"] == ["yes"], path.name
        assert s["ProtectSystem"] == ["strict"], path.name
        assert s["PrivateTmp"] == ["yes"], path.name
        writable = " ".join(s["ReadWritePaths"]).split()
        assert writable and set(writable) <= {DATA_DIR, BACKUP_DIR}, f"{path.name}: {writable}"
    for name in ("satuanak-web.service", "satuanak-worker.service", "satuanak-housekeeping.service"):
        assert DATA_DIR in service(DEPLOY / "systemd" / name)["ReadWritePaths"][0].split()
    assert BACKUP_DIR in service(DEPLOY / "systemd" / "satuanak-backup.service")["ReadWritePaths"][0]


def test_the_web_unit_runs_gunicorn_with_the_projects_settings() -> None:
    s = service(DEPLOY / "systemd" / "satuanak-web.service")
    (line,) = s["ExecStart"]
    argv = shlex.split(line)
    assert argv[0] == VENV_BIN + "gunicorn"
    assert argv[1] == "-c" and argv[2] == APP_DIR + "deploy/gunicorn.conf.py"
    assert (ROOT / argv[2].removeprefix(APP_DIR)).is_file()
    module, _, attribute = argv[3].partition(":")
    assert (module, attribute) == ("config.wsgi", "application")
    assert importlib.util.find_spec(module) is not None
    assert importlib.util.find_spec("gunicorn") is not None
    assert s["Restart"] == ["always"]
    # gunicorn signals readiness itself (sd_notify); KillMode=mixed lets it drain its workers.
    assert s["Type"] == ["notify"] and s["KillMode"] == ["mixed"]


def test_the_worker_unit_lets_a_running_import_finish() -> None:
    s = service(DEPLOY / "systemd" / "satuanak-worker.service")
    assert s["ExecStart"] == [VENV_BIN + "satuanak worker"]
    assert s["Restart"] == ["always"]
    # One SIGTERM to the main process only: a second one would abandon the task.
    assert s["KillMode"] == ["mixed"] and s.get("KillSignal", ["SIGTERM"]) == ["SIGTERM"]
    timeout = s["TimeoutStopSec"][0]
    minutes = int(timeout.removesuffix("min")) if timeout.endswith("min") else int(timeout) / 60
    assert minutes >= 10, timeout


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_every_satuanak_command_in_the_units_exists_and_accepts_its_arguments(
    path: Path, settings: Any
) -> None:
    # The worker's parser checks its --backend default against TASKS: production's, not the
    # test settings' immediate backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    commands = get_commands()
    for line in service(path)["ExecStart"]:
        argv = shlex.split(line)
        if argv[0] != VENV_BIN + "satuanak":
            continue
        name = {"check-deploy": "check_deploy"}.get(argv[1], argv[1])
        assert name in commands, f"{path.name}: no command {argv[1]}"
        command = load_command_class(commands[name], name)
        # The parser the command line uses: unknown options or a wrong subcommand fail here.
        command.create_parser("satuanak", name).parse_args(argv[2:])


def test_the_backup_unit_keeps_its_archives_in_the_documented_folder() -> None:
    s = service(DEPLOY / "systemd" / "satuanak-backup.service")
    assert s["Type"] == ["oneshot"]
    argv = shlex.split(s["ExecStart"][0])
    assert argv[1] == "backup"
    assert argv[argv.index("--out") + 1] == BACKUP_DIR + "/"
    assert int(argv[argv.index("--keep") + 1]) >= 7


def test_the_timers_run_their_services_and_catch_up_after_downtime() -> None:
    for timer in [u for u in UNITS if u.suffix == ".timer"]:
        t = unit_parse(timer)["Timer"]
        assert t["Persistent"] == ["true"], timer.name
        assert t["OnCalendar"], timer.name
        assert (DEPLOY / "systemd" / t["Unit"][0]).is_file(), timer.name
        assert unit_parse(timer)["Install"]["WantedBy"] == ["timers.target"]


def test_the_housekeeping_unit_runs_both_purges() -> None:
    lines = [
        shlex.split(x)[1:] for x in service(DEPLOY / "systemd" / "satuanak-housekeeping.service")["ExecStart"]
    ]
    assert ["halo", "purge"] in lines
    assert any(x[:2] == ["lapangan", "purge-photos"] for x in lines)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    """The units with their paths pointed at this checkout (verify wants existing binaries)."""
    (tmp_path / "satuanak.env").write_text("SATUANAK_SECRET_KEY=x\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "backups").mkdir()
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "gunicorn").exists() and (venv_bin / "satuanak").exists()
    for unit in UNITS:
        text = (
            unit.read_text(encoding="utf-8")
            .replace(VENV_BIN, f"{venv_bin}/")
            .replace(APP_DIR, f"{ROOT}/")
            .replace(ENV_FILE, str(tmp_path / "satuanak.env"))
            .replace(BACKUP_DIR, str(tmp_path / "backups"))
            .replace(DATA_DIR, str(tmp_path / "data"))
        )
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("systemd-analyze") or "",
            "verify",
            *sorted(str(p) for p in tmp_path.glob("satuanak-*")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and bad values are printed without a failing exit code: any line is a finding.
    # Only complaints about this machine (no systemd running, no postgresql unit) are allowed.
    findings = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip()
        and not re.search(r"postgresql\.service|Failed to connect to bus|not been booted", line)
    ]
    assert not findings, "\n".join(findings)


# --- nginx ----------------------------------------------------------------------------------


def test_the_access_log_has_no_query_strings() -> None:
    match = re.search(r"log_format\s+satuanak\s+(.*?);", NGINX, flags=re.DOTALL)
    assert match, "no log_format satuanak"
    fmt = match.group(1)
    # $request is the whole request line (path AND query string); $request_uri, $args and
    # $query_string carry the query; the Referer repeats the previous page's URL with its query.
    for forbidden in (r"\$request\b(?!_)", r"\$request_uri", r"\$args", r"\$arg_", r"\$query_string",
                      r"\$is_args", r"\$http_referer"):  # fmt: skip
        assert not re.search(forbidden, fmt), forbidden
    assert "$request_method $uri" in fmt and "$request_id" in fmt
    # Every access log uses that format (nginx's default "combined" has $request).
    for directive in re.findall(r"^\s*access_log\s+([^;]+);", NGINX, flags=re.MULTILINE):
        assert directive == "off" or directive.split()[-1] == "satuanak", directive


def test_the_upload_limit_lets_the_largest_upload_through() -> None:
    (size,) = re.findall(r"client_max_body_size\s+(\w+);", NGINX)
    limits = {f"{m}.{a}": getattr(importlib.import_module(m), a) for m, a in UPLOAD_LIMITS}
    assert nginx_size(size) >= max(limits.values()), limits


def test_the_proxy_headers_are_set_not_appended() -> None:
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", NGINX))
    # Django trusts X-Forwarded-For (production.py): nginx must overwrite what the client sent.
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert "$proxy_add_x_forwarded_for" not in NGINX
    assert headers["X-Forwarded-Proto"] == "$scheme"  # SECURE_PROXY_SSL_HEADER
    assert headers["X-Request-ID"] == "$request_id"  # ops/middleware.py
    assert headers["Host"] == "$host"


def test_the_proxy_matches_gunicorns_settings() -> None:
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SATUANAK_")}
    try:
        gunicorn: dict[str, Any] = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.update(saved)
    assert f"proxy_pass http://{gunicorn['bind']};" in NGINX
    (read_timeout,) = re.findall(r"proxy_read_timeout\s+(\d+)s;", NGINX)
    assert int(read_timeout) >= gunicorn["timeout"]


def test_tls_and_the_redirect() -> None:
    assert re.findall(r"ssl_protocols\s+([^;]+);", NGINX) == ["TLSv1.2 TLSv1.3"]
    assert "return 301 https://$server_name$request_uri;" in NGINX
    assert "/.well-known/acme-challenge/" in NGINX  # Let's Encrypt's HTTP-01 challenge


def test_static_files_come_from_static_root_and_uploads_are_never_a_public_folder() -> None:
    assert settings.STATIC_URL.strip("/") == "static"
    static_root = Path(settings.STATIC_ROOT).relative_to(ROOT)
    assert f"alias {APP_DIR}{static_root}/;" in NGINX
    assert "location /static/ {" in NGINX
    # Media (evidence, scans, photos) goes through Django's access checks, never a folder.
    assert not re.search(r"location\s+[^{]*/media", NGINX)
    assert DATA_DIR not in NGINX


# --- install.sh, the environment file and the documentation ---------------------------------


def test_every_variable_named_in_the_deploy_files_is_read_by_the_app_and_in_env_example() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in UNITS}
    texts |= {"satuanak.conf": NGINX, "install.sh": INSTALL, "deploy.md": DOCS}
    named: dict[str, set[str]] = {}
    for name, text in texts.items():
        for var in re.findall(r"\b(SATUANAK_[A-Z0-9_]*[A-Z0-9]|DATABASE_URL)\b", text):
            named.setdefault(var, set()).add(name)
    read = env_names_read_by_the_app()
    unknown = {v: sorted(f) for v, f in named.items() if v not in read}
    assert not unknown, f"named in the deploy files but read by nothing (a typo?): {unknown}"
    missing = sorted(set(named) - env_example_names())
    assert not missing, f"read by the app, set in production, but not described in .env.example: {missing}"


def test_the_environment_file_passes_djangos_deployment_checks(tmp_path: Path) -> None:
    env = env_template(
        SERVER_NAME="satuanak.example.go.id",
        secret="k" + "".join(f"{i}x{i * 7}" for i in range(20)),
        APP_BIND="127.0.0.1:8000",
        DATABASE_URL="",
        DATA_DIR=str(tmp_path),
        KEY_FILE=str(tmp_path / "backup.key"),
        SERVICE_GROUP="satuanak",
    )
    assert env["DJANGO_SETTINGS_MODULE"] == "config.django.production"
    assert env["SATUANAK_LOG_FORMAT"] == "json"
    assert env["SATUANAK_TRUST_X_FORWARDED_FOR"] == "true"
    assert "SATUANAK_TODAY" not in env and "SATUANAK_DEBUG" not in env
    assert env["SATUANAK_MEDIA_ROOT"].startswith(str(tmp_path))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SATUANAK_", "DJANGO_", "DATABASE_"))}
    # The database is the one thing not taken from the file: check --deploy needs none.
    env.pop("DATABASE_URL")
    env["SATUANAK_SQLITE_PATH"] = str(tmp_path / "unused.sqlite3")
    done = subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_documentation_covers_every_file_and_the_checks() -> None:
    for unit in UNITS:
        assert unit.name in DOCS, unit.name
    for needle in (
        "deploy/install.sh",
        "deploy/nginx/satuanak.conf",
        "satuanak check-deploy",
        "/readyz",
        "/healthz",
        "journalctl -u satuanak-web -o cat | jq",
        "docs/upgrades.md",
        "docs/backup-restore.md",
        "make deploy-rehearsal",
        "createsuperuser",
    ):
        assert needle in DOCS, needle


def test_the_scripts_are_strict_bash() -> None:
    for name in ("install.sh", "rehearse.sh"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        assert text.startswith("#!/usr/bin/env bash\n"), name
        assert "set -euo pipefail" in text or "set -uo pipefail" in text, name
        assert os.access(DEPLOY / name, os.X_OK), f"{name} is not executable"
