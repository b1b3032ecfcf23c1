"""The mobile adminduk unit planner (issue 10, "Jempol Adminduk Perbatasan")."""

from __future__ import annotations
