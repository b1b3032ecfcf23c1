"""The demo loader: declarations in every state, and idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from satuanak.adminduk import states as s
from satuanak.adminduk.demo import adminduk_demo_load
from satuanak.adminduk.models import BirthDeclaration, IssuedDocuments
from satuanak.adminduk.tests.conftest import REFERENCE


@pytest.mark.django_db
def test_the_demo_has_every_state_and_loads_once(siak: Any, personas: dict[str, Any], settings: Any) -> None:
    settings.SATUANAK_TODAY = REFERENCE
    first = adminduk_demo_load(reference_date=REFERENCE)
    assert all(first[state] >= 1 for state in s.STATES), first
    assert IssuedDocuments.objects.count() == first[s.ISSUED]
    n = BirthDeclaration.objects.count()
    assert adminduk_demo_load(reference_date=REFERENCE) == first
    assert BirthDeclaration.objects.count() == n
    overdue = [d for d in BirthDeclaration.objects.all() if d.is_overdue_on(REFERENCE)]
    assert overdue, "the demo shows an overdue declaration"
