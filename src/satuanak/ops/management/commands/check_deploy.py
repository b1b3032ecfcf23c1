"""`satuanak check-deploy`: what the operator runs after every change to the server (install,
upgrade, new certificate, moved disk). Django's own `check --deploy` plus the platform's: secret,
database, migrations, worker, disk, static files, writable folders, backups. Exits non-zero when
anything fails, so a deploy script stops there."""

from __future__ import annotations

import os
import stat
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import CommandError, call_command
from django.core.management.base import BaseCommand, SystemCheckError
from django.db import DatabaseError
from django.utils import timezone

from satuanak.ops.health import Check, check_database, check_disk, check_migrations, check_worker

_DEV_KEY = "dev-only-insecure-key-change-me"
# Backups run nightly (deploy/systemd/satuanak-backup.timer): older than this, one was missed.
BACKUP_MAX_AGE = timedelta(hours=26)


def _django_deploy_checks() -> Check:
    out = StringIO()
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
    except SystemCheckError as exc:
        # "?: (security.W004) You have not set ... ": the id and its first sentence.
        found = [
            line.split(": ", 1)[1].split(". ")[0][:110]
            for line in str(exc).splitlines()
            if line.startswith("?: (") or ": (" in line
        ]
        return Check(
            "django check --deploy",
            False,
            "Pengaturan keamanan Django belum benar (config.django.production?): / "
            "Django's deployment checks found: " + "; ".join(found),
        )
    return Check("django check --deploy", True, "tidak ada temuan / no issues")


def _settings_checks() -> list[Check]:
    checks = [
        Check(
            "debug",
            not settings.DEBUG,
            "mati / off"
            if not settings.DEBUG
            else "DEBUG menyala: halaman galat membuka isi server. Pakai "
            "DJANGO_SETTINGS_MODULE=config.django.production. / DEBUG is on.",
        ),
    ]
    key = str(settings.SECRET_KEY)
    key_ok = key != _DEV_KEY and len(key) >= 50 and len(set(key)) >= 5
    checks.append(
        Check(
            "secret key",
            key_ok,
            "diisi / set"
            if key_ok
            else "SATUANAK_SECRET_KEY kosong, kunci pengembangan, atau pendek; buat dengan "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(64))'`. / "
            "The secret key is unset or weak.",
        )
    )
    hosts = list(settings.ALLOWED_HOSTS)
    hosts_ok = bool(hosts) and "*" not in hosts
    checks.append(
        Check(
            "allowed hosts",
            hosts_ok,
            ", ".join(hosts)
            if hosts_ok
            else "SATUANAK_ALLOWED_HOSTS harus berisi nama server, bukan '*'. / "
            "Must name the server, not '*'.",
        )
    )
    engine = settings.DATABASES["default"]["ENGINE"]
    postgres = "postgresql" in engine
    checks.append(
        Check(
            "postgresql",
            postgres,
            "PostgreSQL"
            if postgres
            else "SQLite cukup untuk uji coba; produksi memakai PostgreSQL (DATABASE_URL). / "
            "SQLite is for trials; production runs PostgreSQL.",
            warning=not postgres,
        )
    )
    return checks


def _static_check() -> Check:
    marker = Path(settings.STATIC_ROOT) / "web" / "site.css"
    ok = marker.is_file()
    return Check(
        "static files",
        ok,
        str(settings.STATIC_ROOT)
        if ok
        else "Berkas statis belum dikumpulkan; jalankan `satuanak collectstatic --no-input`. / "
        "Static files not collected.",
    )


def _writable_checks() -> list[Check]:
    checks = []
    for name, folder in (("media", settings.MEDIA_ROOT), ("staging", settings.SATUANAK_STAGING_DIR)):
        path = Path(folder)
        try:
            path.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path, prefix=".check-deploy-"):
                pass
        except OSError as exc:
            checks.append(
                Check(
                    f"writable:{name}",
                    False,
                    f"{path} tidak dapat ditulis oleh pengguna layanan ({exc.strerror}); periksa pemilik "
                    f"folder (chown satuanak:satuanak). / {path} is not writable by the service user.",
                )
            )
            continue
        checks.append(Check(f"writable:{name}", True, str(path)))
    return checks


def _backup_checks() -> list[Check]:
    from satuanak.audit.models import AuditAction, AuditEvent

    checks = []
    key_file = settings.SATUANAK_BACKUP_KEY_FILE
    if not key_file:
        checks.append(
            Check(
                "backup key",
                False,
                "SATUANAK_BACKUP_KEY_FILE belum diisi: cadangan tidak dapat dienkripsi "
                "(docs/backup-restore.md). / No backup key configured.",
                warning=True,
            )
        )
    else:
        path = Path(key_file)
        if not path.is_file():
            checks.append(Check("backup key", False, f"{path} tidak ada / does not exist"))
        else:
            loose = path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
            checks.append(
                Check(
                    "backup key",
                    not loose,
                    str(path)
                    if not loose
                    else f"{path} dapat dibaca pengguna lain; `chmod 600 {path}`. / Readable by others.",
                )
            )
    try:
        last = AuditEvent.objects.filter(action=AuditAction.BACKUP_CREATED).order_by("-at").first()
    except DatabaseError:
        return checks
    if last is None:
        checks.append(
            Check(
                "last backup",
                False,
                "Belum pernah ada cadangan; jalankan `satuanak backup` dan aktifkan "
                "satuanak-backup.timer. / No backup yet.",
                warning=True,
            )
        )
    else:
        age = timezone.now() - last.at
        fresh = age <= BACKUP_MAX_AGE
        checks.append(
            Check(
                "last backup",
                fresh,
                f"{timezone.localtime(last.at):%Y-%m-%d %H:%M}"
                + ("" if fresh else " — lebih dari sehari; periksa satuanak-backup.timer. / over a day old."),
                warning=not fresh,
            )
        )
    return checks


def _agreement_checks() -> list[Check]:
    """Personal data is read only under an agreement in force (ADR 0007): none at all means
    nobody can open a child; one lapsing soon is the steward's warning (30 days ahead)."""
    from satuanak.common.clock import today
    from satuanak.governance.selectors import agreement_rows

    day = today()
    try:
        rows = agreement_rows(day)
    except DatabaseError:
        return []
    in_force = [r for r in rows if r.state in ("in_force", "lapsing")]
    checks = [
        Check(
            "data agreements",
            bool(in_force),
            f"{len(in_force)} berlaku / in force"
            if in_force
            else "Belum ada perjanjian berbagi data yang berlaku: tidak ada yang dapat membuka data "
            "pribadi; catat Perbup/PKS di /tata-kelola/perjanjian/. / No agreement in force.",
            warning=not in_force,
        )
    ]
    for r in rows:
        if r.state == "lapsing":
            checks.append(
                Check(
                    "agreement lapsing",
                    False,
                    f"{r.agreement.number} berakhir dalam {r.days_left} hari / lapses in {r.days_left} days",
                    warning=True,
                )
            )
    return checks


def deploy_checks() -> list[Check]:
    checks = [_django_deploy_checks(), *_settings_checks()]
    database = check_database()
    checks.append(database)
    migrated = check_migrations() if database.ok else None
    if migrated is not None:
        checks.append(migrated)
    # The worker and backup checks read tables a database without migrations does not have.
    schema_ok = migrated is not None and migrated.ok
    if schema_ok:
        checks.append(check_worker())
    checks += [*check_disk(), _static_check(), *_writable_checks()]
    if schema_ok:
        checks += _backup_checks()
        checks += _agreement_checks()
    return checks


class Command(BaseCommand):
    help = (
        "Memeriksa pemasangan produksi (jalankan setelah setiap perubahan). / "
        "Check the production installation (run after every change)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checks = deploy_checks()
        colour = os.isatty(1)
        for c in checks:
            mark = "OK " if c.ok else ("!  " if c.warning else "GAGAL")
            line = f"{mark:5} {c.name:22} {c.detail}"
            if colour:
                style = (
                    self.style.SUCCESS if c.ok else (self.style.WARNING if c.warning else self.style.ERROR)
                )
                line = style(line)
            self.stdout.write(line)
        failed = [c for c in checks if not c.ok and not c.warning]
        warned = [c for c in checks if not c.ok and c.warning]
        if failed:
            raise CommandError(
                f"{len(failed)} pemeriksaan gagal: {', '.join(c.name for c in failed)}. / "
                f"{len(failed)} checks failed."
            )
        self.stdout.write(
            f"Siap dipakai ({len(checks)} pemeriksaan, {len(warned)} peringatan). / "
            f"Ready ({len(checks)} checks, {len(warned)} warnings)."
        )
