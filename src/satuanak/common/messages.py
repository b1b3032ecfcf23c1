"""The services' user messages are "Bahasa Indonesia / English" in one string; pages, the API
and the field app show the two halves apart."""

from __future__ import annotations


def bilingual(message: str) -> tuple[str, str]:
    """(Indonesian, English) of a "Bahasa Indonesia / English" message; a message without the
    separator is both."""
    id_part, sep, en_part = str(message).partition(" / ")
    return (id_part.strip(), en_part.strip()) if sep else (str(message).strip(), str(message).strip())
