"""Test settings: base plus fast hashing. The database still comes from DATABASE_URL, so the
same suite runs on SQLite (default) and on PostgreSQL in CI."""

import os

from config.django.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
DEBUG = False
# Tasks run at once, in the request, so tests see the result without a worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# On SQLite the test database is a file, as in production, not Django's shared-cache memory
# database: that one locks whole tables at once and fails concurrent writers at once instead of
# waiting (the concurrent-import test would test the test set-up, not the platform).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test process, so two suites run side by side (a developer's and a helper's)
    # do not share one database; Django deletes it when the run ends.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test-satuanak-{os.getpid()}.sqlite3")  # noqa: F405
    }
