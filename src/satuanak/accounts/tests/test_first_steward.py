from __future__ import annotations

import pytest
from django.core.management import call_command

from satuanak.accounts.models import User
from satuanak.accounts.roles import Role


@pytest.mark.django_db
def test_createsuperuser_makes_a_data_steward_who_can_open_the_admin() -> None:
    call_command("createsuperuser", "--no-input", "--username", "pertama", "--email", "it@example.org")
    user = User.objects.get(username="pertama")
    assert user.role == Role.DATA_STEWARD
    assert user.is_superuser and user.is_staff
    user.set_password("kata-sandi-panjang-2026")
    user.save()
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
