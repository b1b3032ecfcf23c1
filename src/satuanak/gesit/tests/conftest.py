"""Fixtures of the GESIT tests: stunted children in two areas (flags written directly)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from satuanak.flags.models import ChildFlag
from satuanak.persons.models import Child
from satuanak.persons.tests.factories import ChildFactory
from satuanak.regions.models import Desa

LATEST = "2024Q4"


def flag(child: Child, *, haz: float | None, code: str = "stunting", period: str = LATEST) -> ChildFlag:
    """A finding of the flag engine: flagged when HAZ < -2 (or for a mother_kek row)."""
    flagged = code != "stunting" or (haz is not None and haz < -2)
    return ChildFlag.objects.create(
        child=child,
        code=code,
        rule_version=1,
        period=period,
        observed_on=date(2024, 11, 15),
        status=ChildFlag.Status.FLAGGED if flagged else ChildFlag.Status.CLEAR,
        value=haz,
        reason_id="uji",
        reason_en="test",
    )


@pytest.fixture
def area(reference_data: None) -> dict[str, Any]:
    """Children in Sungai Duri (Puskesmas Sungai Duri's area) and Samalantan, with findings."""
    sungai_duri = Desa.objects.get(code="61.07.01.2001")
    sungai_jaga = Desa.objects.get(code="61.07.01.2004")  # ~3 km away, same service area
    samalantan = Desa.objects.get(code="61.07.02.2001")
    born = date(2023, 1, 10)
    kids = {
        "sd_moderate": ChildFactory.create(desa=sungai_duri, birth_date=born, name="ANAK SD SEDANG"),
        "sd_severe": ChildFactory.create(desa=sungai_duri, birth_date=born, name="ANAK SD BERAT"),
        "jaga_severe": ChildFactory.create(desa=sungai_jaga, birth_date=born, name="ANAK JAGA BERAT"),
        "sd_normal": ChildFactory.create(desa=sungai_duri, birth_date=born, name="ANAK SD NORMAL"),
        "sd_recovered": ChildFactory.create(desa=sungai_duri, birth_date=born, name="ANAK SD PULIH"),
        "samalantan": ChildFactory.create(desa=samalantan, birth_date=born, name="ANAK SAMALANTAN STUNTING"),
    }
    flag(kids["sd_moderate"], haz=-2.4)
    flag(kids["sd_severe"], haz=-3.3)
    flag(kids["jaga_severe"], haz=-3.9)
    flag(kids["sd_normal"], haz=-0.5)
    flag(kids["sd_recovered"], haz=-2.8, period="2024Q3")  # stunted last quarter, not now
    flag(kids["sd_recovered"], haz=-1.8)
    flag(kids["samalantan"], haz=-2.6)
    return {"desa": {"sd": sungai_duri, "jaga": sungai_jaga, "samalantan": samalantan}, **kids}
