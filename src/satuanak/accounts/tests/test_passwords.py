"""Password rules (length 12, letters and digits or a 16-character passphrase) and the change page."""

from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from satuanak.accounts.models import User
from satuanak.accounts.tests.conftest import PASSWORD
from satuanak.accounts.validators import LettersAndDigitsOrPassphraseValidator
from satuanak.audit.models import AuditAction, AuditEvent
from satuanak.demo.services import DEMO_PASSWORD


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abc123", True),  # this validator alone: letters and digits
        ("abcdefghijkl", False),  # letters only, short
        ("123456789012", False),  # digits only, short
        ("!!!!????....", False),  # neither
        ("kuda makan rumput", True),  # passphrase of 16+
        ("abcdefghijklmnop", True),  # 16 letters: a passphrase
    ],
)
def test_letters_and_digits_or_passphrase(password: str, ok: bool) -> None:
    validator = LettersAndDigitsOrPassphraseValidator()
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError) as caught:
            validator.validate(password)
        message = caught.value.messages[0]
        assert "huruf dan angka" in message and "letters and digits" in message


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("pendek1", False),  # under 12
        ("bengkayang2024x", True),
        ("hanyahurufsaja", False),  # 14 letters, no digit, under 16
        ("password1234", False),  # common
        ("anak bengkayang sehat selalu", True),
        (DEMO_PASSWORD, True),  # the demo users' password still passes
    ],
)
def test_configured_validators(password: str, ok: bool, db: None) -> None:
    user = User(username="uji", first_name="Uji")
    if ok:
        password_validation.validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            password_validation.validate_password(password, user)


def test_change_password_page(client: Client, officer: User) -> None:
    client.force_login(officer)
    url = reverse("accounts:password")
    assert "Ganti kata sandi" in client.get(url).content.decode()

    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "hanyahuruf", "new_password2": "hanyahuruf"}
    )
    assert weak.status_code == 200
    assert "letters and digits" in weak.content.decode()

    wrong_old = client.post(
        url, {"old_password": "bukan", "new_password1": "sandi-baru-2025", "new_password2": "sandi-baru-2025"}
    )
    assert "Kata sandi lama salah" in wrong_old.content.decode()

    ok = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "sandi-baru-2025", "new_password2": "sandi-baru-2025"},
    )
    assert ok.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("sandi-baru-2025")
    # Still signed in on this session.
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.USER_CHANGED)
    assert event.detail == {"fields": ["password"]}


def test_change_password_needs_sign_in(client: Client, db: None) -> None:
    response = client.get(reverse("accounts:password"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
