"""The single reader of environment variables (HackSoft's `env`).

Every setting that differs between a laptop, CI and production is read here, so the list in
`.env.example` stays complete: add a variable there when you add a reader here.
"""

from __future__ import annotations

import os
from pathlib import Path

# src/config/env.py -> repository root
BASE_DIR = Path(__file__).resolve().parents[2]


class ImproperlyConfiguredEnv(RuntimeError):
    pass


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfiguredEnv(f"Variabel lingkungan {name} wajib diisi / {name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ya"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]
