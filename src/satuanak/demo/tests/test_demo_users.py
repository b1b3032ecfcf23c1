from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from satuanak.accounts.models import User
from satuanak.accounts.roles import Role
from satuanak.demo.services import DEMO_PASSWORD, demo_users_create
from satuanak.facilities.models import HealthFacility


@pytest.mark.django_db
def test_one_demo_login_per_role_and_each_can_log_in() -> None:
    logins = demo_users_create()
    assert {User.objects.get(username=login.username).role for login in logins} == set(Role.values)
    for login in logins:
        assert authenticate(username=login.username, password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_puskesmas_staff_area_is_the_service_area() -> None:
    demo_users_create()
    user = User.objects.get(username="pkm_sungai_duri")
    pkm = HealthFacility.objects.get(name="Puskesmas Sungai Duri")
    assert user.area_level == User.AreaLevel.DESA
    assert set(user.area_desa.values_list("code", flat=True)) == set(
        pkm.service_area.values_list("code", flat=True)
    )
    assert user.agency is not None and user.agency.health_facility == pkm


@pytest.mark.django_db
def test_running_twice_keeps_one_user_per_name() -> None:
    demo_users_create()
    demo_users_create()
    assert User.objects.count() == len(Role.values)
