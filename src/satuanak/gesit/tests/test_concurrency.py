"""On PostgreSQL two concurrent "out"s of the same stock cannot both pass: the posyandu row is
locked while the ledger is checked (SQLite serialises writers by itself)."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection

from satuanak.facilities.models import Posyandu
from satuanak.gesit.models import ProsasaEntry
from satuanak.gesit.services import GesitError, prosasa_entry_record


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_outs_cannot_both_pass(reference_data: None, personas: dict[str, Any]) -> None:
    from django.db import connections

    cadre = personas["kader_sungai_duri"]
    posyandu = Posyandu.objects.filter(desa__code="61.07.01.2001").order_by("code").first()
    assert posyandu is not None
    prosasa_entry_record(user=cadre, posyandu=posyandu, entry_date=date(2024, 6, 1), direction="in", eggs=10)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def take(day: int) -> None:
        try:
            barrier.wait(timeout=10)
            prosasa_entry_record(
                user=cadre, posyandu=posyandu, entry_date=date(2024, 6, day), direction="out", eggs=10
            )
            results.append("ok")
        except GesitError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(d,)) for d in (10, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["ok", "refused"]
    assert ProsasaEntry.objects.filter(direction="out").count() == 1
