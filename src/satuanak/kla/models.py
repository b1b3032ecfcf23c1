"""The KLA indicators, their values, the score estimate (issue 11)."""

from __future__ import annotations
