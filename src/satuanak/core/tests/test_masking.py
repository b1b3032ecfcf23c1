from __future__ import annotations

import pytest

from satuanak.core.masking import mask_identity_number


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6107011707140015", "6107********0015"),
        (" 6107011707140015 ", "6107********0015"),
        ("", ""),
        ("12345", "***45"),
        ("6107-01", "*****01"),
    ],
)
def test_mask(value: str, masked: str) -> None:
    assert mask_identity_number(value) == masked


def test_masked_nik_hides_birth_date_and_kecamatan() -> None:
    masked = mask_identity_number("6107014802240005")
    assert "480224" not in masked and "610701" not in masked
