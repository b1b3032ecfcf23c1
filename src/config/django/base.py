"""Complete settings. Other modules override a few values; production differs only by env vars."""

from __future__ import annotations

from datetime import date
from typing import Any

import dj_database_url
import django_stubs_ext

from config.env import BASE_DIR, env_bool, env_list, env_str

# Lets admin classes be written as ModelAdmin[Model] for mypy without a runtime TypeError.
django_stubs_ext.monkeypatch()

SECRET_KEY = env_str("SATUANAK_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("SATUANAK_DEBUG", default=True)
ALLOWED_HOSTS = env_list("SATUANAK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

# Where shipped reference data lives (wilayah, boundaries, facilities, WHO tables).
SATUANAK_DATA_DIR = BASE_DIR / "data"
# Where `make demo` writes the synthetic district's exports.
SATUANAK_VAR_DIR = BASE_DIR / env_str("SATUANAK_VAR_DIR", "var")
# Accepted rows of every import batch, one Parquet file each (docs/decisions/0005). Back it up
# with the database: a done batch without its file has lost its rows.
SATUANAK_STAGING_DIR = BASE_DIR / env_str("SATUANAK_STAGING_DIR", "var/staging")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # only so the API's Swagger page takes its scripts from our static files, not a CDN
    "satuanak.regions",
    "satuanak.facilities",
    "satuanak.accounts",
    "satuanak.audit",
    "satuanak.persons",
    "satuanak.imports",
    "satuanak.linkage",
    "satuanak.flags",
    "satuanak.mutu",
    "satuanak.governance",
    "satuanak.interventions",
    "satuanak.gesit",
    "satuanak.referrals",
    "satuanak.prap",
    "satuanak.adminduk",
    "satuanak.jempol",
    "satuanak.applications",
    "satuanak.kla",
    "satuanak.interop",
    "satuanak.remaja",
    "satuanak.halo",
    "satuanak.cegah",
    "satuanak.partisipasi",
    "satuanak.kemitraan",
    "satuanak.lapangan",
    "satuanak.ops",
    "satuanak.access",
    "satuanak.demo",
    "satuanak.web",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its id.
    "satuanak.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, static files included.
    "satuanak.common.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in a query parameter is a 400 here, not a PostgreSQL error in some filter later.
    "satuanak.common.middleware.NulCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "satuanak.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out after 30 minutes idle or 8 hours since sign-in (config/settings/security.py).
    "satuanak.common.middleware.SessionTimeoutMiddleware",
    # Holds users to their second factor, and mandatory-2FA roles to enrolment.
    "satuanak.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Refuses any view that does not declare who may reach it (access/decorators.py).
    "satuanak.access.middleware.AccessGateMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default (the embedded district needs no server); PostgreSQL when DATABASE_URL is set.
_sqlite_path = BASE_DIR / env_str("SATUANAK_SQLITE_PATH", "var/satuanak.sqlite3")
# A fresh clone has no var/ yet; SQLite cannot create the folder itself.
_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{_sqlite_path}",
        conn_max_age=60,
        # A kept connection is tested before each request reuses it: after PostgreSQL restarts,
        # the next request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while an import writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write transactions.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# Background work (imports from the upload page) runs through django-tasks on the database:
# no extra server; `satuanak db_worker` executes the queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Bahasa Indonesia first; English alongside where a page offers it.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
TIME_ZONE = "Asia/Pontianak"  # WIB; Bengkayang's local time
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Whitenoise warns at start-up when the folder is missing (before the first collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# In development and tests serve straight from the apps' static folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded evidence, scans, photos and the copies of imported files. Back it up with the
# database (`satuanak backup` does): rows point at these files by name.
MEDIA_ROOT = BASE_DIR / env_str("SATUANAK_MEDIA_ROOT", "var/media")
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SATUANAK_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Logs go to stderr (journald under systemd). json: one object per line with the request id
# (ops/logging.py), for the operator's `journalctl ... | jq`; text: for a person at a terminal.
SATUANAK_LOG_FORMAT = env_str("SATUANAK_LOG_FORMAT", "text")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "satuanak.ops.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "satuanak.ops.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if SATUANAK_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("SATUANAK_LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per request from ops/middleware.py; at WARNING in development so runserver's
        # own access lines are not doubled (production sets SATUANAK_REQUEST_LOG_LEVEL=INFO).
        "satuanak.request": {"level": env_str("SATUANAK_REQUEST_LOG_LEVEL", "WARNING")},
    },
}
# The key `satuanak backup` encrypts archives with (docs/backup-restore.md); the operator keeps a
# copy off the server: without it no archive can be restored.
SATUANAK_BACKUP_KEY_FILE = env_str("SATUANAK_BACKUP_KEY_FILE", "")
# /readyz and check-deploy fail below this much free space where uploads, staged rows and (on
# SQLite) the database are written: an upload refused at the door beats one failing half-way.
SATUANAK_MIN_FREE_DISK_MB = int(env_str("SATUANAK_MIN_FREE_DISK_MB", "512"))

from config.settings.security import *  # noqa: E402, F403 - grouped security settings

# The platform's "today" (satuanak.common.clock.today): empty = the real date. A demo of the
# synthetic district sets it to the district's reference date so that deadlines, 100-day
# programmes and overdue lists read as they would on that day.
_today = env_str("SATUANAK_TODAY", "")
SATUANAK_TODAY = date.fromisoformat(_today) if _today else None
