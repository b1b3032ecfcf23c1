"""Users of every kind the account tests need, with a password that passes the validators."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.urls import reverse

from satuanak.accounts.models import User
from satuanak.accounts.roles import Role

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

PASSWORD = "kata-sandi-benar-2024"


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, role: Role = Role.HEALTH_OFFICER, **extra: Any) -> User:
        return User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)

    return make


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    return make_user("petugas", Role.HEALTH_OFFICER)


@pytest.fixture
def steward(make_user: Callable[..., User]) -> User:
    return make_user("pengelola", Role.DATA_STEWARD, is_staff=True, is_superuser=True)


def sign_in(client: Client, username: str, password: str = PASSWORD) -> _MonkeyPatchedWSGIResponse:
    return client.post(reverse("web:login"), {"username": username, "password": password})
