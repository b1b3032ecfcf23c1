"""`satuanak <command>`: the project's command line (Django's manage.py under one name)."""

from __future__ import annotations

import os
import sys

ALIASES = {"check-deploy": "check_deploy"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # Operators type the documented `satuanak check-deploy`; Django command names are module names.
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
