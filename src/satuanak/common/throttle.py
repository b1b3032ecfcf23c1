"""Counting requests per key in a time window, in Django's cache (public pages' rate limits).

A window starts with the first hit and ends `window` seconds later; the count is gone with it.
"""

from __future__ import annotations

from django.core.cache import cache


def hits(key: str) -> int:
    """Hits counted in the key's current window (0 when none)."""
    return int(cache.get(key, 0))


def hit(key: str, window: int) -> int:
    """Count one more hit; the new count."""
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)
        return 1
