#!/usr/bin/env python
"""Django's manage.py; the same as the `satuanak` command."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from satuanak.__main__ import main

if __name__ == "__main__":
    main()
