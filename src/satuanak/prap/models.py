"""Child-friendly puskesmas (PRAP) certification (issue 9)."""

from __future__ import annotations
