"""This platform's own password rule, next to Django's validators (config/settings/security.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class LettersAndDigitsOrPassphraseValidator:
    """A password must mix letters and digits, or be a long passphrase (≥ 16 characters).

    Twelve lower-case letters are quick to guess from word lists; a long passphrase of plain
    words is not, and is easier to remember than a mixed short password, so both are allowed.
    """

    def __init__(self, passphrase_length: int = 16) -> None:
        self.passphrase_length = passphrase_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) >= self.passphrase_length:
            return
        has_letter = any(c.isalpha() for c in password)
        has_digit = any(c.isdigit() for c in password)
        if not (has_letter and has_digit):
            raise ValidationError(
                "Kata sandi harus berisi huruf dan angka, atau berupa kalimat sandi minimal "
                "%(length)d karakter. / The password must contain both letters and digits, or be a "
                "passphrase of at least %(length)d characters.",
                code="password_needs_letters_and_digits",
                params={"length": self.passphrase_length},
            )

    def get_help_text(self) -> str:
        return (
            f"Gunakan huruf dan angka, atau kalimat sandi minimal {self.passphrase_length} karakter. / "
            f"Use letters and digits, or a passphrase of at least {self.passphrase_length} characters."
        )
