"""Forms of the account pages: Indonesian labels, messages in Indonesian with English alongside."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm

_CODE_WIDGET = forms.TextInput(
    attrs={
        "autocomplete": "one-time-code",
        "inputmode": "numeric",
        "pattern": "[0-9 ]*",
        "autofocus": True,
        "size": 8,
    }
)


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="Kode 6 angka dari aplikasi autentikator / 6-digit code from your authenticator app",
        max_length=8,
        error_messages={"required": "Kode wajib diisi. / The code is required."},
        widget=_CODE_WIDGET,
    )


class TotpDisableForm(forms.Form):
    password = forms.CharField(
        label="Kata sandi / Password",
        strip=False,
        error_messages={"required": "Kata sandi wajib diisi. / Password is required."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Kode 6 angka / 6-digit code",
        max_length=8,
        error_messages={"required": "Kode wajib diisi. / The code is required."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form (old password, new twice, validators) with this platform's wording."""

    error_messages = {
        "password_mismatch": "Kedua kata sandi baru tidak sama. / The two new passwords differ.",  # nosec B105
        "password_incorrect": "Kata sandi lama salah. / Your old password is wrong.",  # nosec B105
    }

    old_password = forms.CharField(
        label="Kata sandi lama / Old password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Kata sandi lama wajib diisi. / The old password is required."},
    )
    new_password1 = forms.CharField(
        label="Kata sandi baru / New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
        error_messages={"required": "Kata sandi baru wajib diisi. / The new password is required."},
    )
    new_password2 = forms.CharField(
        label="Ulangi kata sandi baru / Repeat the new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Ulangi kata sandi baru. / Repeat the new password."},
    )
