"""Civil-registration services (issue 10): 3-in-1 birth declarations, tracking, service levels."""

from __future__ import annotations
