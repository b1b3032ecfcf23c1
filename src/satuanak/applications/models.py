"""Online adminduk applications and schools' collective requests (issue 10)."""

from __future__ import annotations
