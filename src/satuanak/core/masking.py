"""Masking of identity numbers for display (data minimisation, UU 27/2022 PDP)."""

from __future__ import annotations


def mask_identity_number(value: str) -> str:
    """`6107011707140015` -> `6107********0015`: the region (kabupaten) and the serial's last
    digits stay readable for telling records apart; the birth date and kecamatan do not.
    Anything that is not 16 digits shows only its last two characters."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) == 16 and text.isdigit():
        return text[:4] + "*" * 8 + text[-4:]
    return "*" * max(len(text) - 2, 0) + text[-2:]
