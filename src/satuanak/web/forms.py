"""Forms of the web pages, with Indonesian labels and English alongside in messages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form with this platform's wording.

    Django's own Indonesian translation exists but says nothing in English; staff from outside
    the district (auditors, the ministry) also read these pages, so messages carry both.
    """

    username = forms.CharField(
        label="Nama pengguna",
        max_length=150,
        error_messages={"required": "Nama pengguna wajib diisi. / Username is required."},
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label="Kata sandi",
        strip=False,
        error_messages={"required": "Kata sandi wajib diisi. / Password is required."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": (
            "Nama pengguna atau kata sandi salah. / Wrong username or password. "
            "Perhatikan huruf besar/kecil. / Both are case-sensitive."
        ),
        "inactive": "Akun ini tidak aktif. / This account is inactive.",
    }
