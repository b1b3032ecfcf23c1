"""Factories for children in tests (synthetic; never real people)."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from satuanak.core.nik import KkNumber, Nik
from satuanak.persons.models import Child, ChildRecord
from satuanak.regions.models import Desa


def _nik(child: Any) -> str:
    return Nik.build(
        kecamatan_code=child.desa.kecamatan.code,
        birth_date=child.birth_date,
        sex=child.sex,
        serial=1 + (child.serial_seed % 9999),
    )


class ChildFactory(factory.django.DjangoModelFactory[Child]):
    class Meta:
        model = Child
        exclude = ("serial_seed",)

    serial_seed = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"ANAK CONTOH {n}")
    sex = factory.Iterator(["L", "P"])
    birth_date = factory.Sequence(lambda n: date(2020, 1, 1 + n % 28))
    desa = factory.LazyFunction(lambda: Desa.objects.order_by("code").first())
    nik = factory.LazyAttribute(_nik)
    kk_number = factory.LazyAttribute(
        lambda c: KkNumber.build(kecamatan_code=c.desa.kecamatan.code, issued=date(2019, 5, 2), serial=7)
    )
    mother_name = "IBU CONTOH"


class ChildRecordFactory(factory.django.DjangoModelFactory[ChildRecord]):
    class Meta:
        model = ChildRecord

    child = factory.SubFactory(ChildFactory)
    source = "siak"
    observed_on = date(2024, 6, 1)
    summary = factory.LazyFunction(lambda: {"AKTA": "ADA"})
