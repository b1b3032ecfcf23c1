"""Small helpers shared by the Halo Remaja page tests."""

from __future__ import annotations

import re

from django.test import Client

CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def start(
    client: Client, *, topic: str = "mental_health", message: str = "Aku susah tidur.", **extra: str
) -> str:
    """Start a conversation on the public page; the code shown."""
    response = client.post("/halo/", {"topik": topic, "pesan": message, **extra})
    assert response.status_code == 200, response.content[:500]
    found = CODE.search(response.content.decode())
    assert found is not None
    return found.group(0)
