"""Test settings: base plus fast hashing. The database still comes from DATABASE_URL, so the
same suite runs on SQLite (default) and on PostgreSQL in CI."""

from config.django.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
DEBUG = False
# Tasks run at once, in the request, so tests see the result without a worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
